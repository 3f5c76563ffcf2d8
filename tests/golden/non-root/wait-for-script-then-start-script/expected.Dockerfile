FROM python:3.11-slim
WORKDIR /code
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .
# EvalAI-like: a wait-for script, then the script that starts the app.
CMD ["./docker/wait-for-it.sh", "db:5432", "--", "sh", "/code/docker/start.sh"]
