FROM python:3.11-slim
WORKDIR /app
COPY requirements.txt ./
RUN pip install --no-cache-dir -r requirements.txt
COPY . /app
EXPOSE 8000
STOPSIGNAL SIGINT
CMD ["python", "-m", "manage", "runserver", "0.0.0.0:8000"]
