#!/bin/sh
set -e
python manage.py migrate --noinput
exec waitress-serve --host=0.0.0.0 --port=8000 mysite.wsgi:application
