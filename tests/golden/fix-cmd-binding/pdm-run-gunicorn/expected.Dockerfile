FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml pdm.lock ./
RUN pip install --no-cache-dir pdm
RUN pdm install --prod
COPY . .
EXPOSE 8000
CMD ["pdm", "run", "gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000"]
