FROM python:3.11-slim
RUN pip install poetry==1.8.5
WORKDIR /code
COPY pyproject.toml poetry.lock ./
RUN poetry config virtualenvs.create false && poetry install --no-root --no-interaction
COPY . /code/
RUN chmod +x /code/entrypoint.sh
CMD ["/code/entrypoint.sh"]
