FROM python:3.11-slim
WORKDIR /srv/django
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY entrypoint /usr/local/bin/entrypoint
COPY . .
EXPOSE 8000
ENTRYPOINT ["/usr/local/bin/entrypoint"]
STOPSIGNAL SIGINT
CMD ["uwsgi", "--http-socket", ":8000", "--module", "mysite.wsgi"]
