FROM python:3.13-slim
RUN pip install uv
WORKDIR /app
COPY . .
RUN uv sync --frozen
CMD ["uv", "run", "gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]
