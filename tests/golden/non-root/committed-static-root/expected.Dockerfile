FROM python:3.13-slim
WORKDIR /app
COPY requirements.txt /app/
RUN pip install --no-cache-dir -r requirements.txt
COPY . /app
RUN useradd --create-home --uid 10001 app \
    && chown 10001:10001 /app \
    && mkdir -p /app/staticfiles \
    && find /app/staticfiles -type d -exec chown 10001:10001 {} +
USER 10001
CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]
