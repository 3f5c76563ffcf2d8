FROM python:3.11-slim
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
RUN chmod +x deploy/celery-entrypoint.sh
CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]
# As joebonneau/django-celery-redis: the worker compose runs from this image drops to nobody.
