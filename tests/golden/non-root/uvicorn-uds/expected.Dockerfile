FROM python:3.11-slim
WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
RUN useradd --create-home --uid 10001 app \
    && mkdir -p /app/staticfiles /sockets \
    && chown 10001:10001 /app \
    && chown -R 10001:10001 /app/staticfiles /sockets
COPY . .
USER 10001
CMD ["uvicorn", "--uds", "/sockets/app.sock", "mysite.asgi:application"]
