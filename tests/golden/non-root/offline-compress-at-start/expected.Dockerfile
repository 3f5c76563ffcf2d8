FROM python:3.11-slim
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
RUN useradd --create-home --uid 10001 app \
    && mkdir -p /app/staticfiles /app/assets/CACHE \
    && chown 10001:10001 /app \
    && chown -R 10001:10001 /app/staticfiles /app/assets/CACHE
COPY . .
USER 10001
EXPOSE 8000
ENTRYPOINT ["/app/entrypoint.sh"]
CMD ["gunicorn", "mysite.wsgi:application", "--bind", "0.0.0.0:8000"]
