FROM python:3.11
COPY . .
RUN pip install -e .
CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]
