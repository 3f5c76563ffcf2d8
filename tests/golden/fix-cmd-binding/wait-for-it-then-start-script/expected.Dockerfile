FROM python:3.11-slim
WORKDIR /code
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .
EXPOSE 8000
# EvalAI-like: wait for the database, then the script that starts the server.
CMD ["./wait-for-it.sh", "db:5432", "--", "sh", "/code/start.sh"]
