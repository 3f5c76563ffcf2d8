FROM python:3.11
COPY . .
RUN ./scripts/prepare.sh
RUN pip install -r requirements.txt
CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]
