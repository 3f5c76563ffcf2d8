#!/bin/sh
set -e
make migrations
exec "$@"
