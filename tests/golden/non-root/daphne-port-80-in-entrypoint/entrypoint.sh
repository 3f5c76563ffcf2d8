#!/bin/sh
python manage.py migrate
daphne -b 0.0.0.0 -p 80 mysite.asgi:application
