FROM python:3.11-slim
COPY requirements.txt /app/
RUN pip install -r /app/requirements.txt
ADD . /app
CMD ["gunicorn", "--chdir", "/app", "mysite.wsgi", "--bind", "0.0.0.0:8000"]
