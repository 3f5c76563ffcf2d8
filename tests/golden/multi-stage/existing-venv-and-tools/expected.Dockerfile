# Builder: installs the dependencies into a virtualenv.
FROM python:3.11-slim AS builder
RUN --mount=type=cache,target=/var/cache/apt,sharing=locked \
    --mount=type=cache,target=/var/lib/apt,sharing=locked \
    rm -f /etc/apt/apt.conf.d/docker-clean \
    && echo 'Binary::apt::APT::Keep-Downloaded-Packages "true";' > /etc/apt/apt.conf.d/keep-cache \
    && apt-get update \
    && apt-get install -y --no-install-recommends gcc gettext curl
RUN python -m venv /venv
ENV PATH="/venv/bin:$PATH"
WORKDIR /app
COPY requirements.txt .
RUN --mount=type=cache,target=/root/.cache/pip pip install -r requirements.txt

# Runtime image: the virtualenv and the source only; compilers, headers and caches stay in
# the builder.
FROM python:3.11-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext curl \
    && rm -rf /var/lib/apt/lists/* \
    && apt-get clean

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
ENV PATH="/venv/bin:$PATH"
WORKDIR /app
COPY --from=builder /venv /venv
COPY . .
HEALTHCHECK CMD curl -f http://localhost:8000/ || exit 1
CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]
