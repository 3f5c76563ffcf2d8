FROM python:3.11-slim
WORKDIR /app
RUN pip install poetry && poetry config virtualenvs.create false
COPY . .
RUN poetry install --only-root
CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]
