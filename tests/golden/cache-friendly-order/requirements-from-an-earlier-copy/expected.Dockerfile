FROM python:3.11-slim
COPY requirements.txt /tmp/requirements.txt
WORKDIR /app
RUN pip install -r /tmp/requirements.txt
COPY . .
CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]
