FROM python:3.11-slim
WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .
EXPOSE 8001
CMD ["daphne", "-u", "/run/daphne/daphne.sock", "-p", "8001", "mysite.asgi:application", "--bind", "0.0.0.0"]
