FROM python:3.11-slim
WORKDIR /app
COPY requirements.txt base.txt /app/
RUN pip install --no-cache-dir -r requirements.txt
COPY src /app
CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]
