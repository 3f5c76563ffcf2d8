FROM python:3.11-slim
WORKDIR /opt/src
COPY requirements.txt .
RUN pip install -r requirements.txt
RUN useradd --create-home --uid 10001 app \
    && mkdir -p /opt/src/media /opt/src/static \
    && chown 10001:10001 /opt/src \
    && chown -R 10001:10001 /opt/src/media /opt/src/static
COPY . .
USER 10001
CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]
