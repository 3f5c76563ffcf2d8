ARG PYTHON_VERSION=3.11-slim
FROM python:${PYTHON_VERSION}

# cookiecutter-django names the app directory with a build argument.
ARG APP_HOME=/app
ENV PYTHONUNBUFFERED=1
WORKDIR ${APP_HOME}
COPY requirements.txt ${APP_HOME}/
RUN pip install -r requirements.txt
RUN useradd --create-home --uid 10001 app \
    && mkdir -p /app/media /app/staticfiles \
    && chown 10001:10001 /app \
    && chown -R 10001:10001 /app/media /app/staticfiles
COPY . ${APP_HOME}
USER 10001
CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]
