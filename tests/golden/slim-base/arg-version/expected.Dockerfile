ARG PYTHON_VERSION=3.13
FROM python:${PYTHON_VERSION}-slim
COPY . .
RUN pip install -r requirements.txt
CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]
