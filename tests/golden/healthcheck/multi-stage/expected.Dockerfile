ARG PYTHON=3.13
FROM python:${PYTHON}-slim AS builder
RUN python -m venv /opt/venv
ENV PATH="/opt/venv/bin:$PATH"
COPY requirements.txt .
RUN pip install -r requirements.txt

FROM builder AS final
COPY . /app
WORKDIR /app
USER 10001
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import http.client as h, sys; c = h.HTTPConnection('127.0.0.1', 8000, timeout=4); c.request('GET', '/', headers={'Host': 'localhost'}); sys.exit(c.getresponse().status >= 500)"]
ENTRYPOINT ["gunicorn"]
CMD ["mysite.wsgi", "--bind", "0.0.0.0:8000"]
