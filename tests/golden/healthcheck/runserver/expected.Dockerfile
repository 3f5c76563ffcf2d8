FROM python:3.13
WORKDIR /app
COPY . .
RUN pip install -r requirements.txt
# Development server.
STOPSIGNAL SIGINT
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import http.client as h, sys; c = h.HTTPConnection('127.0.0.1', 8000, timeout=4); c.request('GET', '/', headers={'Host': 'localhost'}); sys.exit(c.getresponse().status >= 500)"]
CMD ["python", "manage.py", "runserver", "0.0.0.0:8000"]
