FROM python:3.11-slim
COPY . .
CMD ["python", "manage.py", "runserver", "0.0.0.0:8000" "--noreload"]
