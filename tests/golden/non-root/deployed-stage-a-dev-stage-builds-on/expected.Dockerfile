# Deployed by heroku.yml (target: production); compose builds `dev` for development.
FROM python:3.11-bookworm AS production
ENV DJANGO_SETTINGS_MODULE=mysite.settings
WORKDIR /app
COPY requirements.txt .
RUN apt-get update && apt-get install -y libpq-dev gcc && pip install -r requirements.txt
COPY . .
EXPOSE 8000
CMD gunicorn mysite.wsgi:application --bind 0.0.0.0:8000

FROM production AS dev
COPY requirements-dev.txt .
RUN pip install -r requirements-dev.txt
CMD ["tail", "-f", "/dev/null"]
