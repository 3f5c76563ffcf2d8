FROM python:3.11-slim
WORKDIR /app
COPY . .
RUN pip install --no-cache-dir -r requirements.txt
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import http.client as h, sys; c = h.HTTPConnection('127.0.0.1', 8080, timeout=4); c.request('GET', '/', headers={'Host': 'localhost'}); sys.exit(c.getresponse().status >= 500)"]
CMD ["gunicorn", "mysite.wsgi:application", "--bind", "0.0.0.0:8080"]
