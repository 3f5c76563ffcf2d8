FROM python:3.11-slim
WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .
EXPOSE 8080
# the start script reads its first argument as the mode to run
ENTRYPOINT ["/app/bin/start"]
CMD ["runserver"]
