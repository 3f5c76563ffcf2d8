#!/bin/sh
python manage.py migrate --noinput
exec uwsgi --ini uwsgi.ini
