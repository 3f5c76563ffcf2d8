#!/bin/sh
set -e
# The image's own interpreter by its path: it does not see a virtualenv.
/usr/local/bin/python manage.py migrate --noinput
exec "$@"
