FROM python:3.12
RUN apt-get update && apt-get --yes install gettext postgresql-client libgdal-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/app
COPY requirements.txt /opt/app/requirements.txt
RUN pip install -r requirements.txt
# the source is mounted by compose for hot reloading
ENTRYPOINT ["/opt/app/entrypoint.sh"]
