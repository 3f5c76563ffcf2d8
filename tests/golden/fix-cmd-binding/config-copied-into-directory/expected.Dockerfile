# The sources climb out of the context (`../prod`): Docker reads them from its root.
FROM python:3.12-slim
COPY ../prod prod
COPY ../config/gunicorn_conf.py prod
WORKDIR /prod
RUN pip install --no-cache-dir django==5.1.4 gunicorn==23.0.0
EXPOSE 8000
ENTRYPOINT ["gunicorn", "-c", "gunicorn_conf.py", "prod.wsgi:application"]
