FROM python:3.11-slim
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
RUN useradd --create-home --uid 10001 app \
    && mkdir -p /app/logs \
    && touch /var/log/gunicorn-access.log \
    && chown 10001:10001 /app /run /var/log/gunicorn-access.log \
    && chown -R 10001:10001 /app/logs
USER 10001
CMD ["gunicorn", "-c", "config/gunicorn.py", "mysite.wsgi"]
