#!/bin/bash
set -e
PORT="${PORT:-8000}"
case "$1" in
  gunicorn)
    exec gunicorn --bind "0.0.0.0:$PORT" mysite.wsgi "${@:2}"
    ;;
  worker)
    exec celery -A mysite worker "${@:2}"
    ;;
  *)
    exec "$@"
    ;;
esac
