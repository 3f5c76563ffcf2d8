FROM python:3.11-slim
RUN pip install poetry
WORKDIR /app
COPY pyproject.toml ./
RUN poetry config virtualenvs.create false && poetry install --no-root
COPY . .
CMD ["poetry", "run", "gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]
