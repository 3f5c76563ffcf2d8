FROM python:3.13-slim
RUN pip install uv==0.5.11
WORKDIR /app
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-install-project
COPY . .
CMD ["gunicorn", "mysite.wsgi", "-b", "0.0.0.0:8000"]
