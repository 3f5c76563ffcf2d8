FROM python:3.12
RUN apt-get update && apt-get install -y --no-install-recommends libgdal-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/app
COPY pyproject.toml uv.lock ./
RUN pip install uv
# install into the system Python, not a .venv
ENV UV_PROJECT_ENVIRONMENT=/usr/local
RUN uv sync --locked --no-install-project
COPY . .
CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]
