FROM python:3.11-slim
WORKDIR /opt/app
COPY . .
RUN pip install -r requirements.txt
RUN useradd --create-home --uid 10001 app \
    && mkdir -p /opt/app/media \
    && chown 10001:10001 /opt/app \
    && chown -R 10001:10001 /opt/app/media
USER 10001
CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]
