FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1
RUN apt-get update \
    && apt-get install -y --no-install-recommends gcc libc6-dev \
    && apt-get clean \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /code
COPY . /code/
# The project's own setup script makes the virtualenv and installs requirements.txt.
RUN NODE_DONE=yes ./setup-venv.sh
CMD ["/code/venv/bin/uwsgi", "--http", "0.0.0.0:8080", "--module", "mysite.wsgi"]
