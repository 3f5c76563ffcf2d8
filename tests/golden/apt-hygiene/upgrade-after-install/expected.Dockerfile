FROM python:3.11-slim
RUN apt-get update && apt-get install --no-install-recommends -y gettext
RUN apt-get -y dist-upgrade
WORKDIR /app
COPY . .
CMD ["python", "manage.py", "runserver", "0.0.0.0:8000"]
