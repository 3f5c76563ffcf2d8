FROM python:3.11-slim
COPY requirements.txt /tmp/
RUN pip install -r /tmp/requirements.txt
COPY . /opt/app/
WORKDIR /opt/app
ENV PORT=8100
STOPSIGNAL SIGINT
EXPOSE 8100
CMD ["uwsgi", "/opt/app/deploy/uwsgi.ini"]
