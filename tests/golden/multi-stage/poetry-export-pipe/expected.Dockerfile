# Builder: installs the dependencies into a virtualenv.
FROM python:3.12 AS builder
WORKDIR /app
RUN --mount=type=cache,target=/root/.cache/pip pip install "poetry==1.8.3"
RUN python -m venv /venv
COPY pyproject.toml poetry.lock /app/
RUN poetry export --without-hashes -f requirements.txt | /venv/bin/pip install -r /dev/stdin
COPY . .
RUN --mount=type=cache,target=/root/.cache/pip \
    poetry build \
    && /venv/bin/pip install dist/*.whl

# Runtime image: the virtualenv and the source only; compilers, headers and caches stay in
# the builder.
FROM python:3.12
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
COPY --from=builder /venv /venv
WORKDIR /app
COPY . .
CMD ["/venv/bin/gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]
