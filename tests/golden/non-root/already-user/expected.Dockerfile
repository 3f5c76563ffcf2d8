FROM python:3.11-slim
WORKDIR /app
COPY . .
RUN useradd --uid 1000 web
USER web
CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]
