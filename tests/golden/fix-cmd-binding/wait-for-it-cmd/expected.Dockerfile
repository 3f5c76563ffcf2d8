FROM python:3.11-slim
WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .
STOPSIGNAL SIGINT
EXPOSE 8000
# sarcomor1/TrackMoment-like: wait for the database, then the server.
CMD ["./wait-for-it.sh", "db:5432", "--", "python", "manage.py", "runserver", "0.0.0.0:8000"]
