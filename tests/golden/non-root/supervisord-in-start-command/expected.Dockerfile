FROM python:3.11-slim
WORKDIR /app
RUN pip install --no-cache-dir supervisor
COPY requirements.txt /app/
RUN pip install --no-cache-dir -r requirements.txt
COPY . /app
ENTRYPOINT mkdir -p pids logs \
        && python manage.py migrate \
        && supervisord -c supervisord.ini
