#!/bin/sh
set -e
python manage.py migrate --noinput
exec gunicorn mysite.wsgi:application --bind 0.0.0.0:9000 --workers 2
