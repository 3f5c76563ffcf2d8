FROM python:3.11-slim
WORKDIR /app
COPY . .
RUN pip install -r requirements.txt
# The platform sets PORT when it starts the container.
CMD ["sh", "-c", "exec gunicorn mysite.wsgi --bind 0.0.0.0:$PORT"]
