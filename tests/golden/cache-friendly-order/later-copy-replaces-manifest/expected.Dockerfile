FROM python:3.11-slim
WORKDIR /app
COPY . .
# The production requirements replace the development ones the source copy brought.
COPY docker/requirements.prod.txt requirements.txt
RUN pip install --no-cache-dir -r requirements.txt
CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]
