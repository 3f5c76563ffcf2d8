# Builder: installs the dependencies into a virtualenv.
FROM python:3.11-slim AS builder
RUN rm -f /etc/apt/apt.conf.d/docker-clean \
    && echo 'Binary::apt::APT::Keep-Downloaded-Packages "true";' > /etc/apt/apt.conf.d/keep-cache
RUN --mount=type=cache,target=/var/cache/apt,sharing=locked --mount=type=cache,target=/var/lib/apt,sharing=locked apt-get update \
    && apt-get install -y --no-install-recommends git
RUN --mount=type=cache,target=/root/.cache/pip pip install pipx \
    && pipx install poetry
ENV PATH="/root/.local/bin:$PATH"
WORKDIR /code
RUN python -m venv /opt/venv
ENV VIRTUAL_ENV=/opt/venv PATH="/opt/venv/bin:$PATH"
COPY pyproject.toml poetry.lock ./
RUN --mount=type=cache,target=/root/.cache/pypoetry poetry config virtualenvs.create false \
    && poetry install --no-root --no-interaction

# Runtime image: the virtualenv and the source only; compilers, headers and caches stay in
# the builder.
FROM python:3.11-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends git \
    && rm -rf /var/lib/apt/lists/* \
    && apt-get clean
ENV PATH="/root/.local/bin:$PATH"
WORKDIR /code
ENV VIRTUAL_ENV=/opt/venv PATH="/opt/venv/bin:$PATH"
COPY --from=builder /opt/venv /opt/venv
COPY . /code/
CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]
