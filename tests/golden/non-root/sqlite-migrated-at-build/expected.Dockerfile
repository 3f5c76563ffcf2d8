FROM python:3.11-slim
WORKDIR /app
COPY . /app
RUN pip install django
RUN python3 manage.py migrate
RUN useradd --create-home --uid 10001 app \
    && touch /app/db.sqlite3 \
    && chown 10001:10001 /app /app/db.sqlite3
USER 10001
EXPOSE 8000
CMD ["python", "manage.py", "runserver", "0.0.0.0:8000"]
