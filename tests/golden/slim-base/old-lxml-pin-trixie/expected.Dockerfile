FROM python:3.13-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends gcc libc6-dev libxml2-dev libxslt1-dev libxml2 libxslt1.1 \
    && apt-get clean \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "mysite.wsgi"]
