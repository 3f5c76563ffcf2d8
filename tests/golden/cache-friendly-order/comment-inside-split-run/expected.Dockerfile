FROM python:3.11-slim
WORKDIR /app
COPY requirements.txt ./
# the app's packages, pinned
RUN pip install --upgrade pip && pip install -r requirements.txt
COPY . .
RUN python manage.py collectstatic --noinput
CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]
