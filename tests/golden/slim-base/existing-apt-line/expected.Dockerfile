FROM python:3.11-slim-bookworm
RUN apt-get update && apt-get install -y libpq-dev gcc curl libc6-dev libpq5
COPY . .
RUN pip install -r requirements.txt
RUN curl -fsSL https://example.com/health.sh -o /health.sh
CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]
