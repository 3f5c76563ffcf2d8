FROM python:3.11-slim
WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .
ENV UVICORN_PORT=8080
EXPOSE 8080
CMD ["uvicorn", "mysite.asgi:application", "--host", "0.0.0.0"]
