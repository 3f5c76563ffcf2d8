FROM python:3.11 AS builder
WORKDIR /app
COPY requirements.txt .
RUN python -m venv /app/.venv && /app/.venv/bin/pip install -r requirements.txt

# merch-store-like: the venv lands under the directory makemigrations writes at start.
FROM python:3.11-slim
WORKDIR /app
COPY --from=builder /app/.venv /app/.venv
COPY . /app/
RUN useradd --create-home --uid 10001 app \
    && mkdir -p /app/staticfiles \
    && find /app -path /app/.venv -prune -o -exec chown 10001:10001 {} +
ENV PATH="/app/.venv/bin:$PATH"
USER 10001
EXPOSE 8000
ENTRYPOINT ["sh", "/app/entrypoint.sh"]
CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]
