FROM python:3.11-slim
WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .
COPY start.sh /start.sh
STOPSIGNAL SIGINT
EXPOSE 8000
CMD ["bash", "/start.sh"]
