FROM python:3.11-slim
WORKDIR /app
RUN pip install pip-tools==7.4.1
COPY requirements/base.txt requirements/prod.txt requirements/
RUN pip-sync requirements/base.txt requirements/prod.txt
COPY . .
CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]
