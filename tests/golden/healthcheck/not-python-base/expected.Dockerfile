FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends python3-venv && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY . .
RUN python3 -m venv /venv && /venv/bin/pip install -r requirements.txt
CMD ["/venv/bin/gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]
