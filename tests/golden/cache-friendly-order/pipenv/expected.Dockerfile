FROM python:3.11
RUN pip install pipenv
WORKDIR /app
COPY Pipfile Pipfile.lock ./
RUN pipenv install --system --deploy
COPY . /app
CMD python manage.py runserver 0.0.0.0:8000
