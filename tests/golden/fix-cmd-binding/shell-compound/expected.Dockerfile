FROM python:3.11-slim
ENV PORT=8000
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .
EXPOSE 8000
CMD ["sh", "-c", "python manage.py migrate --noinput && exec gunicorn mysite.wsgi -b 0.0.0.0:$PORT"]
