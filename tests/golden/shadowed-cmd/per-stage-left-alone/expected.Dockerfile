FROM python:3.11-slim AS base
WORKDIR /app
COPY . .
CMD ["python", "manage.py", "check"]

FROM base
CMD ["python", "manage.py", "runserver", "0.0.0.0:8000"]
