FROM python:3.13
WORKDIR /srv/app
ENV PIP_NO_CACHE_DIR=1
COPY requirements/prod.txt requirements/base.txt requirements/
RUN pip install --upgrade pip && pip install -r requirements/prod.txt
COPY . /srv/app
RUN python manage.py collectstatic --noinput
CMD ["uvicorn", "mysite.asgi:application", "--host", "0.0.0.0"]
