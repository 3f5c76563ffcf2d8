# Builder: installs the dependencies into a virtualenv.
FROM python:3.11-slim-bookworm AS builder

WORKDIR /app

# System packages python-magic needs
RUN --mount=type=cache,target=/var/cache/apt,sharing=locked \
    --mount=type=cache,target=/var/lib/apt,sharing=locked \
    rm -f /etc/apt/apt.conf.d/docker-clean \
    && echo 'Binary::apt::APT::Keep-Downloaded-Packages "true";' > /etc/apt/apt.conf.d/keep-cache \
    && apt-get update \
    && apt-get install -y libmagic-dev gcc build-essential

# The image has no bytecode for pip or the standard library: compiled once here, so a
# dependency change does not compile what pip imports again.
RUN python -c "import compileall, importlib.util, sys; sys.dont_write_bytecode = False; \
    [__import__(m) for m in 'argparse importlib.metadata netrc venv pip._internal.cli.main \
    pip._internal.commands.install pip._internal.resolution.resolvelib.resolver \
    pip._internal.network.download pip._internal.operations.install.wheel \
    pip._internal.self_outdated_check pip._internal.build_env \
    pip._internal.metadata.importlib pip._internal.metadata.pkg_resources \
    pip._vendor.pkg_resources pip._vendor.distro'.split() \
    if all(importlib.util.find_spec(m.rsplit('.', k)[0]) \
    for k in range(m.count('.'), -1, -1))]; \
    [compileall.compile_file(m.__file__, quiet=1) for m in list(sys.modules.values()) \
    if getattr(getattr(m, '__spec__', None), 'cached', None)]"
RUN python -m venv --without-pip /opt/venv
ENV VIRTUAL_ENV=/opt/venv PATH="/opt/venv/bin:$PATH" PDM_PYTHON=/opt/venv/bin/python

# Python dependencies
COPY pyproject.toml pdm.lock ./
RUN --mount=type=cache,target=/root/.cache/pip pip install pdm
RUN --mount=type=cache,target=/root/.cache/pdm pdm install --prod

# Runtime image: the virtualenv and the source only; compilers, headers and caches stay in
# the builder.
FROM python:3.11-slim-bookworm
RUN apt-get update \
    && apt-get install -y --no-install-recommends libmagic1 \
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

CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000"]
