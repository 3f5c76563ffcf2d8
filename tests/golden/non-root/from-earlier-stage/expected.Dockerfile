FROM python:3.11-slim AS base
ENV PYTHONUNBUFFERED=1

FROM base
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
RUN useradd --create-home --uid 10001 app && chown 10001:10001 /app
COPY . .
USER 10001
CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]
