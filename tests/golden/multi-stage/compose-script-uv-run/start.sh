#!/bin/sh
uv run python manage.py migrate
exec uv run gunicorn mysite.wsgi -b 0.0.0.0:8000
