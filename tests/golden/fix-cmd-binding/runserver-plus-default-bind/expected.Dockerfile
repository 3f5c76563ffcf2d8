FROM python:3.11-slim
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
STOPSIGNAL SIGINT
EXPOSE 8000
CMD ["python", "manage.py", "runserver_plus", "0.0.0.0:8000", "--nopin"]
