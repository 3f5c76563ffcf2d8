FROM python:3.11-slim
WORKDIR /app
COPY . .
RUN pip install --no-cache-dir -r requirements.txt
CMD ["gunicorn", "mysite.wsgi", "--bind", "unix:/run/gunicorn.sock"]
