FROM python:3.11
WORKDIR /app
COPY requirements.txt ./
RUN apt-get update \
    && apt-get install -y --no-install-recommends ncat \
    && pip install -r requirements.txt \
    && pip cache purge \
    && rm -rf /var/lib/apt/lists/* /root/.cache/pip
COPY . .
RUN python manage.py collectstatic --noinput
CMD ["python", "manage.py", "runserver", "0.0.0.0:8000"]
