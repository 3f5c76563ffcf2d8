#!/bin/sh
set -e
poetry run python manage.py migrate --noinput
exec poetry run gunicorn mysite.wsgi --bind 0.0.0.0:8000
