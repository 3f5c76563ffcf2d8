FROM python:3.11
ENV PYTHONUNBUFFERED 1
WORKDIR /app
RUN pip install pipenv
COPY Pipfile Pipfile.lock /app/
RUN pipenv install --system --deploy
COPY . /app
RUN pipenv shell
CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]
