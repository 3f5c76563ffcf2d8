#!/bin/sh
set -e
python manage.py compress --force
exec "$@"
