FROM python:3.12-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends default-libmysqlclient-dev gcc libc6-dev pkg-config libmariadb3 \
    && apt-get clean \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /srv/django
COPY app/requirements.txt /srv/django/
# The app's packages go into a virtualenv that a bash script string makes and fills: its
# install is inside the quotes of `bash -c`.
RUN /bin/bash -c "python -m venv /srv/django/.env \
    && source /srv/django/.env/bin/activate \
    && pip install -r /srv/django/requirements.txt"
COPY . /srv/django
CMD ["/srv/django/.env/bin/gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]
