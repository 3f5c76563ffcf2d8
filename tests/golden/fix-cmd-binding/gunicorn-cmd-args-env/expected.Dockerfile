FROM python:3.11-slim
WORKDIR /app
COPY . .
RUN pip install -r requirements.txt
ENV GUNICORN_CMD_ARGS="--bind=0.0.0.0:7000 --workers 3"
EXPOSE 7000
CMD ["gunicorn", "mysite.wsgi"]
