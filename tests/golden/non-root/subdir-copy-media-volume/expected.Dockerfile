FROM python:3.11-slim
WORKDIR /app
COPY back/requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
RUN useradd --create-home --uid 10001 app \
    && mkdir -p /app/mediafiles /app/staticfiles /app/logs \
    && chown 10001:10001 /app \
    && chown -R 10001:10001 /app/mediafiles /app/staticfiles /app/logs
COPY back/ /app/
USER 10001
VOLUME /app/logs
CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]
