#!/bin/sh

until cd /app; do
	echo "Waiting for the volume..."
done

celery -A mysite worker -l info --uid=nobody --gid=nogroup
