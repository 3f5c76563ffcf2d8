FROM python:3.11-slim
ENV BUILD_DEPS="gcc libpq-dev"
RUN apt-get update && apt-get install -y $BUILD_DEPS
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .
CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]
