FROM python:3.11-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends gcc libc6-dev libfreetype-dev libjpeg-dev liblcms2-dev libopenjp2-7-dev libtiff-dev libwebp-dev libxcb1-dev pkg-config zlib1g-dev libfreetype6 libjpeg62-turbo liblcms2-2 libopenjp2-7 libtiff6 libwebp7 libwebpdemux2 libwebpmux3 libxcb1 \
    && apt-get clean \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "mysite.wsgi"]
