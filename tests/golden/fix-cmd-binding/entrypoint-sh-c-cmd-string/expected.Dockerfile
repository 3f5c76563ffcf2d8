FROM python:3.11-slim
WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .
EXPOSE 8000
# The CMD is the shell's script: one string, a whole command line.
ENTRYPOINT ["/bin/sh", "-c"]
CMD ["exec gunicorn mysite.wsgi -b 0.0.0.0:8000 --workers 2"]
