FROM python:3.11-slim
RUN pip install poetry
ENV POETRY_VIRTUALENVS_IN_PROJECT=true
WORKDIR /app
COPY pyproject.toml ./
RUN poetry install --no-root
RUN useradd --create-home --uid 10001 app \
    && mkdir -p /app/media /app/staticfiles \
    && chown 10001:10001 /app \
    && chown -R 10001:10001 /app/media /app/staticfiles
COPY . .
USER 10001
CMD ["poetry", "run", "gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]
