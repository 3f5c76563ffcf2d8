FROM python:3.11-slim
WORKDIR /app
# src/ holds a requirements.txt of its own: copied first, it would be the one left at /app.
COPY src /app
COPY requirements.txt /app/
RUN pip install --no-cache-dir -r requirements.txt
CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]
