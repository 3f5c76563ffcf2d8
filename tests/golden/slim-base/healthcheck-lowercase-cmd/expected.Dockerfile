FROM python:3.11-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends wget \
    && apt-get clean \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
# Docker reads `cmd` as CMD: the check still needs wget on slim.
HEALTHCHECK --interval=30s --timeout=5s \
    cmd wget -qO- http://localhost:8000/ || exit 1
CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]
