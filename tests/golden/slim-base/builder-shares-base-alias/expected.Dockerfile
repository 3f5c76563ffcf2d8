# base image
FROM python:3.11-bookworm as base

# build stage
FROM base as builder
COPY requirements.txt /requirements.txt
RUN mkdir /install && \
    pip install --target=/install -r /requirements.txt

# run stage
FROM python:3.11-slim-bookworm
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpq5 \
    && apt-get clean \
    && rm -rf /var/lib/apt/lists/*
COPY --from=builder /install /usr/local/lib/python3.11
COPY . /app
WORKDIR /app
CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]
