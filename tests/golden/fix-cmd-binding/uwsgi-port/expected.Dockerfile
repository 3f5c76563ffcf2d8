FROM python:3.11-slim
COPY . .
STOPSIGNAL SIGINT
EXPOSE 8080
CMD ["uwsgi", "--http=0.0.0.0:8080", "--module", "mysite.wsgi"]
