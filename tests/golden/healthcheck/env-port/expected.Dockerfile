FROM python:3.11-slim
ENV PORT=5000
WORKDIR /app
COPY . .
RUN pip install --no-cache-dir -r requirements.txt
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import http.client as h, sys; c = h.HTTPConnection('127.0.0.1', 5000, timeout=4); c.request('GET', '/', headers={'Host': 'localhost'}); sys.exit(c.getresponse().status >= 500)"]
CMD ["sh", "-c", "python manage.py migrate && exec gunicorn mysite.wsgi -b 0.0.0.0:$PORT"]
