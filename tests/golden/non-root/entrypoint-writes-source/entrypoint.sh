#!/bin/sh
set -e
cp mysite/conf/settings.tpl mysite/local_settings.py
sed -i "s/HOST/$DB_HOST/" mysite/local_settings.py
exec "$@"
