#!/usr/bin/env bash

set -Eeuo pipefail

help() {
  echo "development -- start the dev server; production -- gunicorn"
}

case "$1" in
  development)
    python manage.py runserver
    ;;
  production)
    python manage.py migrate --noinput
    gunicorn mysite.wsgi:application -b 0.0.0.0:8000
    ;;
  *)
    help
    ;;
esac
