FROM python:3.11-slim
WORKDIR /app
COPY requirements.txt /app/
RUN pip install -r requirements.txt
# the whole project
COPY --chown=1000:1000 . /app/
COPY ["static", "/app/static/"]
CMD ["python", "manage.py", "runserver", "0.0.0.0:8000"]
