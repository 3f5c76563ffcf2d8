#!/bin/sh
python manage.py migrate --noinput
uwsgi --ini uwsgi.ini
