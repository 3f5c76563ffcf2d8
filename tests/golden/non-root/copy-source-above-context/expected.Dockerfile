# The sources climb out of the context (`../prod`): Docker reads them from its root.
FROM python:3.12-slim
COPY ../prod prod
COPY ../config/gunicorn_conf.py prod
WORKDIR /prod
RUN pip install --no-cache-dir django==5.1.4 gunicorn==23.0.0
RUN python manage.py migrate
RUN useradd --create-home --uid 10001 app \
    && touch /prod/db.sqlite3 \
    && chown 10001:10001 /prod /prod/db.sqlite3
USER 10001
ENTRYPOINT ["gunicorn", "-c", "gunicorn_conf.py", "prod.wsgi:application"]
