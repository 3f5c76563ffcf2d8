FROM python:3.11-slim

RUN mkdir src
WORKDIR /src
COPY requirements.txt ./

RUN pip install --no-cache-dir -r requirements.txt

# The project lives in a subdirectory; its settings keep the database and uploads beside it.
COPY django ./django

RUN useradd --create-home --uid 10001 app \
    && mkdir -p /src/media /src/static \
    && chown 10001:10001 /src/django /src \
    && chown -R 10001:10001 /src/media /src/static
USER 10001
CMD ["gunicorn", "--chdir", "django", "sov.wsgi", "--bind", "0.0.0.0:8000"]
