#!/bin/sh
python manage.py migrate --noinput && \
gunicorn mysite.wsgi -b 0.0.0.0:8000
