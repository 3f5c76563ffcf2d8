FROM python:3.11-slim
WORKDIR /srv
RUN useradd --create-home --uid 10001 app \
    && mkdir -p /srv/staticfiles \
    && chown 10001:10001 /srv \
    && chown -R 10001:10001 /srv/staticfiles
COPY . .
USER 10001
CMD ["sh", "-c", "python manage.py collectstatic --noinput && exec gunicorn mysite.wsgi --bind 0.0.0.0:8000"]
