FROM python:3.11-slim
RUN pip install --no-cache-dir pdm
WORKDIR /app
COPY pyproject.toml pdm.lock ./
RUN pdm config python.use_venv true \
    && pdm install --prod --frozen-lockfile && pdm cache clear
COPY . .
ENV PATH="/app/.venv/bin:$PATH"
CMD ["pdm", "run", "start"]
