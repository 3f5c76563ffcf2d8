FROM python:3.11

# system packages for psycopg2
RUN apt-get update && apt-get install -y --no-install-recommends libpq-dev \
	# the compiler builds the C extension
	gcc libc6-dev && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY . /app
RUN pip install -r requirements.txt
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "mysite.wsgi"]
