FROM python:3.11-slim AS base
ENV POETRY_VIRTUALENVS_CREATE=false
RUN pip install "poetry==2.2.1"
WORKDIR /app

# Dependencies layer
FROM base AS dependencies
COPY pyproject.toml poetry.lock ./
RUN poetry install --no-interaction --no-ansi --no-root --only main

# Production image
FROM dependencies AS production
RUN poetry install --no-interaction --no-ansi --no-root --only main
COPY . .
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000"]
