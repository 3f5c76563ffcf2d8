# Builder: installs the dependencies into a virtualenv.
FROM python:3.12 AS builder
ENV UV_PROJECT_ENVIRONMENT=/opt/venv UV_LINK_MODE=copy UV_COMPILE_BYTECODE=1 VIRTUAL_ENV=/opt/venv PATH="/opt/venv/bin:$PATH"
COPY --from=ghcr.io/astral-sh/uv:0.5.5 /uv /uvx /bin/
ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy
WORKDIR /app
COPY pyproject.toml uv.lock ./
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-install-project

# Runtime image: the virtualenv and the source only; compilers, headers and caches stay in
# the builder.
FROM python:3.12
ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpq5 \
    && apt-get clean \
    && rm -rf /var/lib/apt/lists/*

# The image has no bytecode for the standard library and the app's user cannot write it:
# compile what Django and its server import, once, instead of at every start.
RUN python -c "import compileall, importlib.util, sys; sys.dont_write_bytecode = False; \
    [__import__(m) for m in 'argparse asyncio concurrent.futures.thread difflib email.generator \
    email.mime.message email.mime.multipart email.mime.text encodings.idna getpass glob \
    graphlib gzip html.parser http.cookies importlib.metadata ipaddress json \
    logging.config multiprocessing pkgutil pprint secrets shlex sqlite3 statistics \
    urllib.request uuid wsgiref.simple_server zoneinfo'.split() if importlib.util.find_spec(m)]; \
    [compileall.compile_file(m.__file__, quiet=1) for m in list(sys.modules.values()) \
    if getattr(getattr(m, '__spec__', None), 'cached', None)]"
WORKDIR /app
ENV VIRTUAL_ENV=/opt/venv PATH="/opt/venv/bin:$PATH"
COPY --from=builder /opt/venv /opt/venv
COPY . .
CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]
