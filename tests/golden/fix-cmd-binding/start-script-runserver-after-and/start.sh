#!/usr/bin/env bash
set -o errexit

# `python manage.py` also starts this line: the exec goes after the `&&`.
python manage.py migrate && \
    python manage.py runserver
