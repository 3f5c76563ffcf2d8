FROM python:3.12-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends gcc libc6-dev libpq-dev libpq5 \
    && apt-get clean \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY . .
RUN pip install .
CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]
