FROM python:3.11-slim
WORKDIR /app
COPY ./requirements.txt /app
RUN pip install -r requirements.txt
COPY . /app
WORKDIR /app/src
RUN useradd --create-home --uid 10001 app \
    && touch /app/src/info.log \
    && chown 10001:10001 /app /app/src /app/src/info.log
USER 10001
CMD ["gunicorn", "app.wsgi:application", "--bind", "0.0.0.0:8000"]
