FROM python:3.12-alpine
COPY requirements.txt /requirements.txt
RUN pip install -r /requirements.txt
COPY . /app
WORKDIR /app
CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]
