FROM python:3.12-slim
RUN apt-get update && apt-get install -y --no-install-recommends libcairo2-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /code
COPY backend/pyproject.toml backend/poetry.lock ./
RUN pip install poetry==2.0.1 && poetry config virtualenvs.create false \
    && poetry install --no-root --only main
COPY backend/ .
EXPOSE 8080
ENTRYPOINT ["poetry", "run", "bash", "startup.sh"]
