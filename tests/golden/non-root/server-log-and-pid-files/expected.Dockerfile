FROM python:3.11-slim
WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
RUN mkdir -p /var/log/gunicorn
RUN useradd --create-home --uid 10001 app \
    && mkdir -p /app/media /var/log/gunicorn /run/gunicorn \
    && touch /app/migrate.log \
    && chown 10001:10001 /app /app/migrate.log \
    && chown -R 10001:10001 /app/media /var/log/gunicorn /run/gunicorn
COPY . .
USER 10001
EXPOSE 8000
CMD ["sh", "-c", "python manage.py migrate >> migrate.log 2>&1 && exec gunicorn mysite.wsgi --bind 0.0.0.0:8000 --access-logfile /var/log/gunicorn/access.log --error-logfile - --pid /run/gunicorn/gunicorn.pid"]
