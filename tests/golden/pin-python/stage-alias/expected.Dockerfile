ARG PYTHON_VERSION=3.11-slim

# An alias for the Python image every stage below starts from.
FROM python:${PYTHON_VERSION} as python

FROM python as python-build-stage
RUN pip wheel --wheel-dir /usr/src/app/wheels django gunicorn

FROM python as python-run-stage
COPY --from=python-build-stage /usr/src/app/wheels /wheels/
RUN pip install --no-cache-dir --no-index --find-links=/wheels/ /wheels/* && rm -rf /wheels/
WORKDIR /app
COPY . .
CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]
