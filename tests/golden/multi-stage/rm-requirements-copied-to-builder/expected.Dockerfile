# Builder: installs the dependencies into a virtualenv.
FROM python:3.11-slim AS builder
ENV VIRTUAL_ENV=/opt/venv PATH="/opt/venv/bin:$PATH" PIP_PYTHON=/opt/venv/bin/python PIP_DISABLE_PIP_VERSION_CHECK=1
COPY requirements.txt /tmp/requirements.txt

# pip's own bytecode is kept in the cache mount, not compiled again on every dependency
# change; the venv's is compiled once after the install, on every core.
RUN --mount=type=cache,target=/root/.cache/pip \
    python -m venv --without-pip --system-site-packages /opt/venv \
    && PYTHONPYCACHEPREFIX=/root/.cache/pip/pycache PIP_COMPILE=0 PIP_PYTHON='' python -m pip install -r /tmp/requirements.txt \
    && python -c "import compileall, concurrent.futures, functools, os; list(concurrent.futures.ProcessPoolExecutor().map(functools.partial(compileall.compile_file, quiet=2), [os.path.join(d, n) for d, _, names in os.walk('/opt/venv') for n in names if n.endswith('.py')], chunksize=64))"

# Runtime image: the virtualenv and the source only; compilers, headers and caches stay in
# the builder.
FROM python:3.11-slim
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
ENV VIRTUAL_ENV=/opt/venv PATH="/opt/venv/bin:$PATH"
COPY --from=builder /opt/venv /opt/venv
WORKDIR /app
COPY . /app
EXPOSE 8000
CMD ["gunicorn", "mysite.wsgi", "-b", "0.0.0.0:8000"]
