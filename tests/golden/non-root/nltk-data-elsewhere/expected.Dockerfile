FROM python:3.11-slim
ENV NLTK_DATA=/usr/local/share/nltk_data
WORKDIR /code
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
RUN python -m nltk.downloader punkt stopwords
RUN useradd --create-home --uid 10001 app && chown 10001:10001 /code
COPY . .
USER 10001
CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]
