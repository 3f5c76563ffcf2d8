FROM python:3.11-slim
WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .
EXPOSE 8000
# Variables with defaults and redirections are the shell's: quoting them would make them
# literal arguments.
CMD ["sh", "-c", "exec gunicorn mysite.wsgi -b 0.0.0.0:8000 --workers ${WORKERS:-2} 2>&1"]
