FROM python:3.11-slim
RUN apt-get update && apt-get -y install --no-install-recommends libpq-dev gcc libc6-dev && rm -rf /var/lib/apt/lists/*
COPY requirements.txt .
RUN pip install -r requirements.txt
