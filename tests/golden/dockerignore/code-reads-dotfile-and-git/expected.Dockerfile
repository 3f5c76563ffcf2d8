FROM python:3.11-slim
WORKDIR /app
COPY . .
RUN git rev-parse HEAD > REVISION || true
CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]
