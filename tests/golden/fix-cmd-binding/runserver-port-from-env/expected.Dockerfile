FROM python:3.11-slim
ENV PORT=9000
WORKDIR /app
COPY . .
RUN pip install -r requirements.txt
STOPSIGNAL SIGINT
EXPOSE 9000
CMD ["sh", "-c", "exec python manage.py runserver 0.0.0.0:$PORT"]
