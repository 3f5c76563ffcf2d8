FROM python:3.11-slim
WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .
ENTRYPOINT ["/bin/bash", "/app/docker/entrypoint.sh"]
CMD ["gunicorn"]
