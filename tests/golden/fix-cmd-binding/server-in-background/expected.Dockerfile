FROM python:3.11-slim
WORKDIR /usr/src
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
EXPOSE 8000
# One container runs both: gunicorn in the background, the worker in the foreground.
CMD ["sh", "-c", " \
    python manage.py migrate ; \
    python manage.py collectstatic --noinput && \
    gunicorn --bind 0.0.0.0:8000 core.wsgi & \
    celery -A core worker --beat --loglevel=info \
"]
