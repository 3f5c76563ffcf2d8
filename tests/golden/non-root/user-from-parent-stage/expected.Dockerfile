FROM python:3.11-slim AS base
RUN useradd --create-home app
WORKDIR /home/app/web
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY --chown=app:app . .
USER app

FROM base AS production
ENV DJANGO_SETTINGS_MODULE=mysite.settings
WORKDIR /home/app/web
CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]
