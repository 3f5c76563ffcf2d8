FROM python:3.11-slim
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
RUN useradd --create-home --uid 10001 app \
    && touch /app/mysite/local_settings.py \
    && chown 10001:10001 /app /app/mysite /app/mysite/local_settings.py
USER 10001
ENTRYPOINT ["./entrypoint.sh"]
CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]
