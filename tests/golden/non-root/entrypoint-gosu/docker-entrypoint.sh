#!/bin/sh
chown -R app /app/media
exec gosu app "$@"
