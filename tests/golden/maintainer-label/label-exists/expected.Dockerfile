FROM python:3.11-slim
LABEL maintainer="jane@example.com" org.opencontainers.image.title="site"
# legacy
WORKDIR /app
COPY . .
CMD ["python", "manage.py", "runserver", "0.0.0.0:8000"]
