FROM python:3.11-slim
WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
RUN useradd --create-home --uid 10001 app \
    && mkdir -p /app/staticfiles /run/gunicorn \
    && chown 10001:10001 /app \
    && chown -R 10001:10001 /app/staticfiles /run/gunicorn
COPY . .
USER 10001
CMD ["gunicorn", "-c", "gunicorn.conf.py", "mysite.asgi:application"]
