FROM python:3.11-slim
ARG GITHUB_TOKEN=ghp_example
ENV DJANGO_SECRET_KEY="s3cr3t-value" DEBUG=0
ENV DATABASE_URL=postgres://app:hunter2@db:5432/app
ENV API_KEY=${API_KEY}
COPY . .
CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]
