FROM python:3.11-slim
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
STOPSIGNAL SIGINT
EXPOSE 8080
# waitress's module: the same options as the waitress-serve script
CMD ["python", "-m", "waitress", "--host=0.0.0.0", "mysite.wsgi:application"]
