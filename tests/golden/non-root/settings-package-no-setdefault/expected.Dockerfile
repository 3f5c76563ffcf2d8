FROM python:3.11-slim
WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .
RUN useradd --create-home --uid 10001 app \
    && mkdir -p /app/data \
    && chown 10001:10001 /app \
    && chown -R 10001:10001 /app/data
USER 10001
CMD ["sh", "-c", "python manage.py migrate --noinput && exec gunicorn proj.wsgi --bind 0.0.0.0:8000"]
