FROM python:3.11-slim
WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .
STOPSIGNAL SIGINT
EXPOSE 8000
# Omarsanosy24/MyPhone-like: the whole command line is one string of the exec form.
CMD ["python", "manage.py", "runserver", "0.0.0.0:8000"]
