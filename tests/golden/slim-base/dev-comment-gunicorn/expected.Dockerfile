# This Dockerfile is intended solely for local development;
# production images are built elsewhere.
FROM python:3.12-slim-bookworm
ENV PYTHONUNBUFFERED 1
RUN apt-get update && apt-get install -y --no-install-recommends vim sqlite3 gettext \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.txt /app/requirements.txt
RUN pip install --no-cache-dir -r /app/requirements.txt
COPY . /app
CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]
