FROM python:3.11-slim
WORKDIR /app
COPY requirements.txt .
RUN pip install --user -r requirements.txt
COPY . .
CMD ["python", "-m", "gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]
