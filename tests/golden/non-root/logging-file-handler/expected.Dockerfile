FROM python:3.11-slim
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . /app/
RUN python manage.py collectstatic --noinput \
    && chown -R 10001:10001 /app/staticfiles
RUN useradd --create-home --uid 10001 app \
    && mkdir -p /app/staticfiles /app/logs \
    && touch /app/debug.log /app/logs/errors.log \
    && chown 10001:10001 /app /app/debug.log /app/logs/errors.log \
    && chown -R 10001:10001 /app/logs
USER 10001
CMD ["gunicorn", "mysite.wsgi:application", "--bind", "0.0.0.0:8000"]
