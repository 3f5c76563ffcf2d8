FROM ubuntu:22.04
RUN apt-get update && apt-get install --no-install-recommends -y python3 python3-pip libpq-dev build-essential python3-dev python3-setuptools python3-wheel && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY . .
RUN pip3 install -r requirements.txt
CMD ["python3", "manage.py", "runserver", "0.0.0.0:8000"]
