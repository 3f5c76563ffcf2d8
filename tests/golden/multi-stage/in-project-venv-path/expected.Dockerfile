FROM python:3.11
ENV POETRY_VIRTUALENVS_IN_PROJECT=true POETRY_NO_INTERACTION=1
WORKDIR /app
RUN pip install poetry==1.8.3
COPY pyproject.toml poetry.lock ./
RUN poetry install --only main --no-root
COPY . .
ENV PATH="/app/.venv/bin:$PATH"
CMD ["/app/.venv/bin/gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]
