FROM python:3.11-slim
RUN apt-get update && apt-get install -y --no-install-recommends build-essential libpq-dev \
    && rm -rf /var/lib/apt/lists/*
COPY ./requirements.txt /requirements.txt
RUN pip install --no-cache-dir -r /requirements.txt
# compose runs `command: /start`: the script, not CMD, starts the server
COPY ./compose/production/start /start
RUN chmod +x /start
COPY . /app
WORKDIR /app
