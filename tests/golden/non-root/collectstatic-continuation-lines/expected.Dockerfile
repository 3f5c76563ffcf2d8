FROM python:3.11-slim
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
# Dummy values: the real secrets are not there at build time.
RUN SECRET_KEY=build-only-dummy-key \
    API_TOKEN=build-only-dummy-token \
    python manage.py collectstatic --noinput \
    && chown -R 10001:10001 /app/staticfiles
RUN useradd --create-home --uid 10001 app \
    && mkdir -p /app/staticfiles \
    && chown 10001:10001 /app
USER 10001
CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]
