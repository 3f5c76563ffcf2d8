FROM python:3.8-alpine

WORKDIR /app
RUN apt update && apt add gcc musl-dev
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .
CMD ["gunicorn", "mysite.wsgi:application", "--bind", "0.0.0.0:8000"]
