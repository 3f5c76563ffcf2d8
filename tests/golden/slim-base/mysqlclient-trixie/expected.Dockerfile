FROM python:3.13-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends default-libmysqlclient-dev gcc libc6-dev pkg-config libmariadb3 \
    && apt-get clean \
    && rm -rf /var/lib/apt/lists/*
COPY . .
RUN pip install -r requirements.txt
CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]
