FROM python:3.11-slim
WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .
EXPOSE 8000
ENTRYPOINT ["gunicorn", "--workers", "2"]
CMD ["mysite.wsgi:application", "--bind", "0.0.0.0:8000"]
