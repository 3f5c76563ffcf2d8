FROM python:3.11-slim
WORKDIR /app
COPY . .
RUN pip install -r requirements.txt
EXPOSE 9000
CMD ["gunicorn", "-c", "config/gunicorn.conf.py", "mysite.wsgi"]
