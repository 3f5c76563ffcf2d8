#!/bin/sh
set -e
python manage.py migrate --noinput

# Run the command (the CMD) as the shell's child: SIGTERM stops at the shell.
exec "$@"
