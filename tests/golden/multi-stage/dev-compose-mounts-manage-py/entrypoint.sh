#!/bin/sh
case "$1" in
  start_dev) ./manage.py migrate && exec ./manage.py runserver 0.0.0.0:8081 ;;
  start_gunicorn) exec gunicorn mysite.wsgi --bind 0.0.0.0:8081 ;;
  *) exec "$@" ;;
esac
