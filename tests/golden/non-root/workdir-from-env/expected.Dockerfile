FROM python:3.11-slim
ENV PROJECT_DIR="/app" \
    PYTHONUNBUFFERED=1
WORKDIR ${PROJECT_DIR}
COPY requirements.txt ${PROJECT_DIR}/
RUN pip install -r requirements.txt
RUN useradd --create-home --uid 10001 app \
    && mkdir -p /app/media /app/staticfiles \
    && chown 10001:10001 /app \
    && chown -R 10001:10001 /app/media /app/staticfiles
COPY . .
USER 10001
CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]
