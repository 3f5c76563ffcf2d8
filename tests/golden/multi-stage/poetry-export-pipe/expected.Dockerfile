# Builder: installs the dependencies into a virtualenv.
FROM python:3.12 AS builder
WORKDIR /app
RUN --mount=type=cache,target=/root/.cache/pip pip install "poetry==1.8.3"
RUN python -m venv /venv
COPY pyproject.toml poetry.lock /app/
RUN poetry export --without-hashes -f requirements.txt | /venv/bin/pip install -r /dev/stdin
COPY . .
RUN --mount=type=cache,target=/root/.cache/pip poetry build \
    && /venv/bin/pip install dist/*.whl

# Runtime image: the virtualenv and the source only; compilers, headers and caches stay in
# the builder.
FROM python:3.12
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpq5 \
    && apt-get clean \
    && rm -rf /var/lib/apt/lists/*
COPY --from=builder /venv /venv
WORKDIR /app
COPY . .
CMD ["/venv/bin/gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]
