FROM python:3.11-slim
WORKDIR /app
RUN pip install poetry
COPY . .
RUN poetry config virtualenvs.create false && poetry install
CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]
