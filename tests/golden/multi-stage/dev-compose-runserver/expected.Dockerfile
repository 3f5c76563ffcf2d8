FROM python:3.12-slim
ENV PYTHONUNBUFFERED 1
RUN apt-get update \
  && apt-get install -y build-essential libpq-dev gettext git \
  && rm -rf /var/lib/apt/lists/*
COPY ./requirements.txt /requirements.txt
RUN pip install -r /requirements.txt
COPY ./compose/local/start /start
RUN chmod +x /start
WORKDIR /app
