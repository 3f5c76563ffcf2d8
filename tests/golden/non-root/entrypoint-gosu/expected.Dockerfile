FROM python:3.11-slim
WORKDIR /app
COPY . .
ENTRYPOINT ["/app/docker-entrypoint.sh"]
CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]
