#!/bin/sh
exec gunicorn mysite.wsgi --bind 0.0.0.0:8000
