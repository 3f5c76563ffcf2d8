#!/bin/sh
python manage.py migrate --noinput && \
python manage.py collectstatic --noinput && \
gunicorn mysite.wsgi -b 0.0.0.0:8000
