FROM python:3.11-slim
WORKDIR /app
COPY . .
RUN pip install --no-index --find-links=./wheels -r requirements.txt
CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]
