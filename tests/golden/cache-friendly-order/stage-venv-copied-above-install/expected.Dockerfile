FROM python:3.13-slim AS builder
COPY --from=ghcr.io/astral-sh/uv:0.5.11 /uv /uvx /bin/
WORKDIR /app
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen

FROM python:3.13-slim
COPY --from=builder /bin/uv /bin/uvx /bin/
WORKDIR /app
COPY --from=builder /app/.venv /app/.venv
COPY pyproject.toml uv.lock ./
RUN uv sync --no-install-project --frozen
COPY . .
CMD ["/app/.venv/bin/gunicorn", "mysite.wsgi", "-b", "0.0.0.0:8000"]
