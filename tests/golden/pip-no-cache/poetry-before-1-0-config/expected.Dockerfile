FROM python:3.8-slim
ARG POETRY_VERSION
WORKDIR /app
RUN pip install --no-cache-dir "poetry==$POETRY_VERSION" && poetry config settings.virtualenvs.create false
COPY pyproject.toml poetry.lock ./
RUN poetry install --no-interaction --no-ansi
COPY . .
CMD ["gunicorn", "mysite.wsgi", "-b", "0.0.0.0:8000"]
