FROM python:3.11-slim
WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .
ENTRYPOINT ["python", "manage.py"]
STOPSIGNAL SIGINT
EXPOSE 8000
CMD ["runserver", "0.0.0.0:8000"]
