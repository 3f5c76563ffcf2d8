FROM python:3.11-slim
WORKDIR /app
COPY . .
# development server
EXPOSE 8000
# production server
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "mysite.wsgi"]
