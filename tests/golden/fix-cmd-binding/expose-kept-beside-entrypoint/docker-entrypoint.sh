#!/bin/sh
# nginx on 80 in front of the app, started here
nginx
exec "$@"
