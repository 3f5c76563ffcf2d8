FROM python:3.13-slim
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .
EXPOSE 9000
CMD ["uvicorn", "mysite.asgi:application", "--host", "0.0.0.0", "--port", "9000"]
