FROM python:3.11-slim
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
RUN chmod +x entrypoint.sh
RUN useradd --create-home --uid 10001 app \
    && mkdir -p /app/staticfiles \
    && chown 10001:10001 /app \
    && chown -R 10001:10001 /app/staticfiles
USER 10001
ENTRYPOINT ["./entrypoint.sh"]
