FROM python:3.13-slim
WORKDIR /app
COPY requirements/dev.txt requirements/common.txt requirements/

# Common and dev deps installed separately to prove that common.txt works standalone
RUN pip install --no-cache-dir -r requirements/dev.txt
RUN pip install --no-cache-dir -r requirements/common.txt

# the source
COPY . /app
RUN pip install --no-cache-dir -e .

CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]
