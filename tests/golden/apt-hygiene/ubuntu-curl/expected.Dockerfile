FROM ubuntu:22.04
RUN apt-get update && apt-get install --no-install-recommends -y curl git python3 ca-certificates && apt-get clean && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY . .
CMD ["python3", "manage.py", "runserver", "0.0.0.0:8000"]
