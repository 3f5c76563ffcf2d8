FROM python:3.11-slim
WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .
EXPOSE 8001
CMD ["daphne", "-e", "tcp:port=8001:interface=0.0.0.0", "mysite.asgi:application"]
