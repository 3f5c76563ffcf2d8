FROM python:3.13-slim-trixie
WORKDIR /usr/src/app
RUN apt-get update \
    && apt-get install --assume-yes --no-install-recommends \
        gettext \
        libpq5 \
    && apt-get distclean
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "mysite.wsgi"]
