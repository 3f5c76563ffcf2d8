FROM python:3.11@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
COPY . .
RUN pip install -r requirements.txt
CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]
