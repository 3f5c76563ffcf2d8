FROM python:3.11-slim
RUN pip install poetry
COPY pyproject.toml poetry.lock ./
RUN poetry install --no-root
COPY . .
EXPOSE 8080
STOPSIGNAL SIGINT
CMD ["poetry", "run", "python", "manage.py", "runserver", "0.0.0.0:8080"]
