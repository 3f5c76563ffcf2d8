# The tag comes from global ARGs, one spelled with the other: after a split the builder
# would share them, slim-base would leave them, and the final stage would only grow.
ARG PYTHON_VERSION=3.11
ARG PYTHON_BUILD_VERSION=$PYTHON_VERSION-bookworm

FROM python:${PYTHON_BUILD_VERSION}
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]
