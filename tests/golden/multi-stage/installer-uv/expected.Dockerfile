# Builder: installs the dependencies into a virtualenv.
FROM python:3.11 AS builder
WORKDIR /app
# uv installs the dependencies (--installer uv); it stays in the builder.
RUN --mount=type=cache,target=/root/.cache/pip pip install uv==0.13.9
ENV VIRTUAL_ENV=/opt/venv PATH="/opt/venv/bin:$PATH" UV_LINK_MODE=copy UV_COMPILE_BYTECODE=1
COPY requirements.txt .
# The base image ships setuptools and code written for it may import pkg_resources:
# after the install, the venv gets the image's own setuptools when something installed
# uses it.
RUN --mount=type=cache,target=/root/.cache/uv \
    python -m venv --without-pip /opt/venv \
    && uv pip install -r requirements.txt \
    && if grep -rqs --include='*.py' --include='*.pth' pkg_resources /opt/venv/lib; then \
        uv pip install "setuptools==$(/usr/local/bin/python -c 'import setuptools; print(setuptools.__version__)')"; \
    fi

# Runtime image: the virtualenv and the source only; compilers, headers and caches stay in
# the builder.
FROM python:3.11
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
