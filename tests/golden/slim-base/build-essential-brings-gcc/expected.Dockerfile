FROM python:3.13-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
    build-essential \
    default-libmysqlclient-dev pkg-config libmariadb3 \
    && rm -rf /var/lib/apt/lists/*
COPY . .
RUN pip install -r requirements.txt
CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]
