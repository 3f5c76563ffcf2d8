FROM python:3.11-slim
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
EXPOSE 8000
STOPSIGNAL SIGINT
# --settings takes the next word: no address is given, so runserver binds 127.0.0.1:8000
CMD ["python", "manage.py", "runserver", "0.0.0.0:8000", "--settings", "mysite.settings", "-v", "2"]
