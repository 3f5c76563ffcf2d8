FROM python:3.11
RUN pip install pdm
WORKDIR /app
COPY pyproject.toml pdm.lock ./
RUN pdm install --prod
COPY . .
CMD ["pdm", "run", "start"]
