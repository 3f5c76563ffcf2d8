#!/bin/sh
set -e

# Wait for the database, then migrate.
while ! nc -z db 5432; do
  sleep 1
done
python manage.py migrate --noinput
python manage.py collectstatic --noinput

exec gunicorn mysite.wsgi:application --bind 0.0.0.0:8000 \
    --workers 3
