FROM python:3.11-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends g++ gcc libc6-dev \
    && apt-get clean \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
RUN pip install poetry==1.8.3 && poetry config virtualenvs.create false
COPY pyproject.toml poetry.lock ./
RUN poetry install --only main --no-root
COPY . .
CMD ["python", "manage.py", "runserver", "0.0.0.0:8000"]
