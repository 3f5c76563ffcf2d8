FROM python:3.11-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends wget curl \
    && apt-get clean \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
HEALTHCHECK CMD curl -fs http://localhost:8000/ || exit 1
ENTRYPOINT ["/app/docker/entrypoint"]
CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]
