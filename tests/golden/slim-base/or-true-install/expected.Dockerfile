FROM python:3.11-slim
RUN apt-get update && apt-get install -y gettext gcc libc6-dev libpq-dev libpq5 || true
WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .
CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]
