FROM python:3.11
WORKDIR /code
RUN pip install nltk
# The tokenizer data goes to the build user's home; the app reads it from there.
RUN python -m nltk.downloader punkt
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .
CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]
