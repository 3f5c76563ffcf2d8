FROM python:3.11
WORKDIR /app
RUN pip install --upgrade pip gunicorn==23.0.0
COPY requirements.txt ./
RUN pip install -r requirements.txt
COPY . .
CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]
