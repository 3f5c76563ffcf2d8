FROM python:3.11-slim AS core
WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .
ENTRYPOINT ["/bin/bash", "/app/docker/entrypoint.sh"]

FROM core AS local
ENV DJANGO_SETTINGS_MODULE=mysite.settings
CMD ["gunicorn"]
