FROM python:3.11-slim
WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .
EXPOSE 8000
ENTRYPOINT ["sh", "-c"]
CMD ["python manage.py migrate --noinput && exec gunicorn mysite.wsgi -b 0.0.0.0:8000"]
