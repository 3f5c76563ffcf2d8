FROM python:3.11-slim
# who to ask
LABEL maintainer="Jane Doe <jane@example.com>"
WORKDIR /app
COPY . .
CMD ["python", "manage.py", "runserver", "0.0.0.0:8000"]
