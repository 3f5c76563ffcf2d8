FROM python:3.13-slim
WORKDIR /app
COPY requirements.txt /app/
RUN pip install --no-cache-dir -r requirements.txt
RUN useradd --create-home --uid 10001 app && chown 10001:10001 /app
COPY . /app
USER 10001
CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]
