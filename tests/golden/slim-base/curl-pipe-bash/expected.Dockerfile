FROM python:3.13-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends curl \
    && apt-get clean \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
RUN curl -fsSL https://deb.nodesource.com/setup_20.x | bash -
RUN apt-get update && apt-get install -y nodejs
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .
RUN npm ci && npm run build
CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]
