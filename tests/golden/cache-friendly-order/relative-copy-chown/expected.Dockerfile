FROM python:3.11
WORKDIR /home/app/web
COPY --chown=1000:1000 requirements.txt ./
RUN pip install --no-cache-dir -r requirements.txt
COPY --chown=1000:1000 . .
USER 1000
CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]
