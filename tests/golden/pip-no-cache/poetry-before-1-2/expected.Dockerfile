FROM python:3.9-slim
ENV POETRY_VIRTUALENVS_CREATE=false
WORKDIR /app
RUN pip install --no-cache-dir poetry==1.1.15
COPY pyproject.toml poetry.lock ./
RUN poetry install --no-dev --no-interaction
COPY . .
CMD ["gunicorn", "mysite.wsgi", "-b", "0.0.0.0:8000"]
