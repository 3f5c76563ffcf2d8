#!/usr/bin/env bash
set -o errexit

# `python manage.py` also starts this line: the exec goes after the `&&`.
python manage.py migrate && \
    exec python manage.py runserver 0.0.0.0:8000
