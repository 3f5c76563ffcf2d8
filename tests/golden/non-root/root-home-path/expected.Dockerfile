FROM python:3.11
WORKDIR /app
# Poetry's installer puts it in root's home.
RUN curl -sSL https://install.python-poetry.org | python3 -
ENV PATH="/root/.local/bin:$PATH"
COPY pyproject.toml ./
RUN poetry install --no-root
COPY . .
EXPOSE 8000
CMD ["poetry", "run", "python", "manage.py", "runserver", "0.0.0.0:8000"]
