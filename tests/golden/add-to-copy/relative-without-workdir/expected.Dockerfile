FROM python:3.11-slim AS base
ADD requirements.txt ./
RUN pip install -r requirements.txt
COPY . /srv/app/

FROM base
WORKDIR /srv/app
COPY manage.py ./
CMD ["python", "manage.py", "runserver", "0.0.0.0:8000"]
