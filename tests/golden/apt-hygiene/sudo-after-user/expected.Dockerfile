FROM python:3.11-slim
RUN useradd -m app
USER app
RUN sudo apt-get update && sudo apt-get install --no-install-recommends -y gettext && sudo rm -rf /var/lib/apt/lists/*
WORKDIR /home/app
COPY . .
CMD ["python", "manage.py", "runserver", "0.0.0.0:8000"]
