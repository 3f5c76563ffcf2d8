FROM python:3.11-slim
WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY mysite mysite
COPY manage.py .
# The demo ships with its data.
COPY app_db /app/app_db
CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]
