FROM python:3.11
RUN apt-get update && apt-get install -y \
	gcc  # compiler for the C extension
WORKDIR /app
COPY . .
CMD ["python", "manage.py", "runserver", "0.0.0.0:8000"]
