FROM python:3.13 AS base
WORKDIR /app
ENV PATH="/app/.venv/bin:$PATH"
COPY --from=ghcr.io/astral-sh/uv:0.7.20 /uv /bin/
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-install-project

FROM base AS dev
# the project itself, on top of the dependencies base installed
COPY . .
RUN uv sync --frozen
CMD ["python", "manage.py", "runserver", "0.0.0.0:8000"]
