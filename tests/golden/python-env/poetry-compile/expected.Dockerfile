FROM python:3.13-slim AS base
WORKDIR /app
ARG POETRY_VERSION=2.1.3
RUN useradd --create-home app \
    && python -m venv /venv \
    && chown -R app /app /venv \
    && pip install --no-cache-dir poetry==$POETRY_VERSION
ENV PYTHONUNBUFFERED=1 VIRTUAL_ENV=/venv PATH=/venv/bin:$PATH
USER app
COPY pyproject.toml poetry.lock ./
RUN poetry install --compile --no-root --without dev && rm -rf /home/app/.cache

FROM base AS web
ENV PYTHONDONTWRITEBYTECODE=1

# The image has no bytecode for the standard library and PYTHONDONTWRITEBYTECODE keeps
# the app from writing it: compile what Django and its server import, once, instead of
# at every start.
RUN python -c "import compileall, importlib.util, sys; sys.dont_write_bytecode = False; \
    [__import__(m) for m in 'argparse asyncio concurrent.futures.thread difflib email.generator \
    email.mime.message email.mime.multipart email.mime.text encodings.idna getpass glob \
    graphlib gzip html.parser http.cookies importlib.metadata ipaddress json \
    logging.config multiprocessing pkgutil pprint secrets shlex sqlite3 statistics \
    urllib.request uuid wsgiref.simple_server zoneinfo'.split() if importlib.util.find_spec(m)]; \
    [compileall.compile_file(m.__file__, quiet=1) for m in list(sys.modules.values()) \
    if getattr(getattr(m, '__spec__', None), 'cached', None)]"
ENV DJANGO_SETTINGS_MODULE=mysite.settings
COPY --chown=app . .
# Installs the project itself (so `mysite` is importable as a package).
RUN poetry install --compile --only-root
CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]
