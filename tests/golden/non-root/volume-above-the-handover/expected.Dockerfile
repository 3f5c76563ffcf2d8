FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
RUN useradd --create-home --uid 10001 app \
    && mkdir -p /app/staticfiles \
    && chown 10001:10001 /app \
    && chown -R 10001:10001 /app/staticfiles
# Shared with the nginx container, which serves the collected files.
VOLUME ["/app/staticfiles"]
COPY . .
USER 10001
EXPOSE 8000
CMD ["sh", "-c", "python manage.py collectstatic --noinput && exec gunicorn mysite.wsgi --bind 0.0.0.0:8000"]
