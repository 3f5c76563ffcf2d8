FROM python:3.11-slim
WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .
CMD ["python manage.py migrate && gunicorn mysite.wsgi -b 0.0.0.0:8000"]
