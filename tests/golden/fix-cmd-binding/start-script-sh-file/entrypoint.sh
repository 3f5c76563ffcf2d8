#!/bin/sh
set -e

# Wait for the database, then migrate.
while ! nc -z db 5432; do
  sleep 1
done
python manage.py migrate --noinput
python manage.py collectstatic --noinput

gunicorn mysite.wsgi:application --bind 127.0.0.1:8000 \
    --workers 3
