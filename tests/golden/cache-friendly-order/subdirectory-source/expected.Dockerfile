FROM python:3.11-slim
WORKDIR /app
COPY backend/requirements.txt ./
RUN pip install --no-cache-dir -r requirements.txt
# The backend directory holds the code and its requirements.
COPY backend/ .
CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]
