FROM python:3.11-slim
WORKDIR /code
COPY requirements.txt ./
RUN pip install -r /code/requirements.txt
COPY . /code/
CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]
