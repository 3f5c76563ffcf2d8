FROM python:3.11-slim
WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
RUN useradd --create-home --uid 10001 app \
    && mkdir -p /app/staticfiles /run/daphne \
    && chown 10001:10001 /app \
    && chown -R 10001:10001 /app/staticfiles /run/daphne
COPY . .
USER 10001
CMD ["sh", "-c", "python -u manage.py migrate && exec daphne -u /run/daphne/daphne.sock mysite.asgi:application"]
