FROM python:3.11-slim
WORKDIR /app
RUN pip install pipenv
COPY . .
RUN pipenv install --system --skip-lock
CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]
