FROM python:3.11
RUN pip install pdm
WORKDIR /app
COPY pyproject.toml pdm.lock ./
RUN pdm install --no-self --prod --frozen-lockfile
COPY . /app
CMD ["pdm", "run", "gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]
