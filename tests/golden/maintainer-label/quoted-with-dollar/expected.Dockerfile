FROM python:3.11-slim
LABEL maintainer="Ops \$TEAM"
WORKDIR /app
COPY . .
CMD ["python", "manage.py", "runserver", "0.0.0.0:8000"]
