FROM python:3.11
RUN pip install poetry==1.8.5
WORKDIR /code
COPY pyproject.toml poetry.lock ./
RUN poetry config virtualenvs.create false \
    && poetry install --no-root --no-interaction
COPY . /code/
CMD gunicorn mysite.wsgi --bind 0.0.0.0:8000
