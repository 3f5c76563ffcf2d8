#!/usr/bin/env bash
poetry run python manage.py migrate
exec gunicorn mysite.wsgi --bind 0.0.0.0:8080
