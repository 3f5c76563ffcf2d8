FROM python:3.11-slim
WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
RUN useradd --create-home --uid 10001 app \
    && mkdir -p /app/media /srv/uploads /srv/static /srv/data \
    && chown 10001:10001 /app \
    && chown -R 10001:10001 /app/media /srv/uploads /srv/static /srv/data
COPY . .
USER 10001
CMD ["gunicorn", "proj.wsgi", "--bind", "0.0.0.0:8000"]
