FROM python:3.11
RUN pip install pdm
WORKDIR /app
COPY . /app
RUN pdm install --prod --frozen-lockfile
CMD ["pdm", "run", "gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]
