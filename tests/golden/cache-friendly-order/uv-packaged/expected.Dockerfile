FROM python:3.13
RUN pip install uv
WORKDIR /app
COPY pyproject.toml uv.lock ./
RUN uv sync --no-install-project --frozen
COPY . .
RUN uv sync --frozen
CMD ["uv", "run", "gunicorn", "mysite.wsgi", "-b", "0.0.0.0:8000"]
