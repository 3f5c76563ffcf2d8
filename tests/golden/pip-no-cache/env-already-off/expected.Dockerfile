FROM python:3.11-slim
ENV PIP_NO_CACHE_DIR=1
COPY requirements.txt .
RUN pip install -r requirements.txt
CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]
