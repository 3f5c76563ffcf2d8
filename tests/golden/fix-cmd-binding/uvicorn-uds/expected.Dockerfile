FROM python:3.11-slim
WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .
CMD ["uvicorn", "--uds", "/run/uvicorn/app.sock", "--proxy-headers", "mysite.asgi:application"]
