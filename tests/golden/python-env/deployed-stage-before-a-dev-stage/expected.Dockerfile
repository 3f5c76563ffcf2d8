# Deployed by heroku.yml (target: production); compose builds `dev` for development.
FROM python:3.11-bookworm AS production
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1

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
WORKDIR /app
COPY requirements.txt .
RUN apt-get update && apt-get install -y libpq-dev gcc && pip install -r requirements.txt
COPY . .
EXPOSE 8000
CMD gunicorn mysite.wsgi:application --bind 0.0.0.0:8000

FROM production AS dev
COPY requirements-dev.txt .
RUN pip install -r requirements-dev.txt
CMD ["tail", "-f", "/dev/null"]
