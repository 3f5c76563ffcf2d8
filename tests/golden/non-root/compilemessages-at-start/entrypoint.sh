#!/bin/sh
set -e
python manage.py compilemessages
exec "$@"
