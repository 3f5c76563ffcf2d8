FROM python:3.11
RUN pip install --no-cache-dir pdm
WORKDIR /app
COPY pdm.lock pyproject.toml /app/
RUN pdm sync -g -p /app --no-self --prod
COPY . .
CMD ["gunicorn", "-b", "0.0.0.0:8000", "mysite.wsgi:application"]
