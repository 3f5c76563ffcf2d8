FROM python:3.11-slim
COPY ./ /app
RUN pip install --no-cache-dir -r /app/requirements.txt
WORKDIR /app/proj/
RUN useradd --create-home --uid 10001 app \
    && mkdir -p /app/proj \
    && chown 10001:10001 /app /app/proj
USER 10001
CMD ["python", "manage.py", "runserver", "0:5000"]
