FROM python:3.11-slim AS base
WORKDIR /code

FROM base
COPY requirements.txt ./
RUN pip install -r /code/requirements.txt
COPY . .
CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]
