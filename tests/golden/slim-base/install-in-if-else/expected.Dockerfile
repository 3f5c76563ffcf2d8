FROM python:3.11-slim
ARG ENVIRONMENT=production
RUN apt-get update \
    && apt-get install -y --no-install-recommends gcc libc6-dev libpq-dev libpq5 \
    && apt-get clean \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements/*.txt /tmp/requirements/
# As sleakops/example-django-celery: which requirements depends on a build argument.
RUN if [ "$ENVIRONMENT" = local ]; then \
      pip install -r /tmp/requirements/local.txt; \
    else \
      pip install -r /tmp/requirements/production.txt; \
    fi
COPY . .
CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]
