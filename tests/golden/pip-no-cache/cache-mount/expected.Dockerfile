FROM python:3.11-slim
COPY requirements.txt .
RUN --mount=type=cache,target=/root/.cache/pip pip install -r requirements.txt
CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]
