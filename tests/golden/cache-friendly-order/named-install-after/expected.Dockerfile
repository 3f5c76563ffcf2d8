FROM python:3.11-slim

ENV PYTHONUNBUFFERED 1

WORKDIR /usr/src/app
COPY requirements.txt ./

RUN pip install --no-cache-dir -r requirements.txt
RUN pip install --no-cache-dir gunicorn

COPY . .
RUN pip install --no-cache-dir -e .

CMD ["gunicorn", "mysite.wsgi", "-b", "0.0.0.0:8000"]
