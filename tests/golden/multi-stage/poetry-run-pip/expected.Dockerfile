# Builder: installs the dependencies into a virtualenv.
FROM python:3.11-slim AS builder
RUN --mount=type=cache,target=/root/.cache/pip pip install poetry==1.8.5
WORKDIR /code
RUN python -m venv /opt/venv
ENV VIRTUAL_ENV=/opt/venv PATH="/opt/venv/bin:$PATH"
COPY pyproject.toml poetry.lock ./
RUN --mount=type=cache,target=/root/.cache/pypoetry poetry install --no-root
COPY . .
RUN --mount=type=cache,target=/root/.cache/pip poetry run pip install -r requirements-extra.txt

# Runtime image: the virtualenv and the source only; compilers, headers and caches stay in
# the builder.
FROM python:3.11-slim
WORKDIR /code
ENV VIRTUAL_ENV=/opt/venv PATH="/opt/venv/bin:$PATH"
COPY --from=builder /opt/venv /opt/venv
COPY . .
CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]
