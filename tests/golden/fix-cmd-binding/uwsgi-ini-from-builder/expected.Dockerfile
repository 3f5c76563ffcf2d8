FROM python:3.11-slim AS builder
COPY requirements.txt /tmp
RUN pip wheel --wheel-dir /wheels -r /tmp/requirements.txt
COPY . /opt/site/

FROM python:3.11-slim
WORKDIR /opt/site
COPY --from=builder /wheels /wheels
RUN pip install --no-cache-dir /wheels/*
COPY --from=builder /opt/site/ /opt/site/
EXPOSE 8800
CMD ["uwsgi", "/opt/site/docker/uwsgi.ini"]
