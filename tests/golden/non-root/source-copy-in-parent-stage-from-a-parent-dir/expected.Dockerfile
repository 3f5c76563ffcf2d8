FROM python:3.11-slim AS build
WORKDIR /app
COPY api/requirements.txt /app/requirements.txt
RUN pip install --no-cache-dir -r requirements.txt
# The whole api/ directory; the project is in api/proj.
COPY api/ /app

FROM build AS production
WORKDIR /app/proj
RUN useradd --create-home --uid 10001 app \
    && mkdir -p /app/proj/staticfiles \
    && chown 10001:10001 /app \
    && chown -R 10001:10001 /app/proj/staticfiles
ENV DJANGO_SETTINGS_MODULE=config.settings
USER 10001
CMD ["sh", "-c", "python manage.py collectstatic --noinput && exec gunicorn config.wsgi --bind 0.0.0.0:8000"]
