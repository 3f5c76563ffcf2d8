#!/bin/bash

# Function to wait for a service
wait_for_service() {
  local host=$1
  local port=$2
  echo "Waiting for $2 ($host:$port), then the nginx proxy can connect..."
  until nc -z -w30 "$host" "$port"
  do
    sleep 5
  done
}

wait_for_service "$DB_HOST" "$DB_PORT"  # the database service
python manage.py migrate
exec daphne -b 0.0.0.0 -p 8000 mysite.asgi:application
