FROM python:3.11-slim
ARG REQS=prod
WORKDIR /app
COPY . .
RUN pip install -r requirements/${REQS}.txt
CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]
