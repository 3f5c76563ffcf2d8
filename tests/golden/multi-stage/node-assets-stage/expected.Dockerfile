FROM node:20-slim AS assets
WORKDIR /src
COPY package.json .
RUN npm install
COPY . .
RUN npm run build

# Builder: installs the dependencies into a virtualenv.
FROM python:3.11-slim AS builder
WORKDIR /app
RUN python -m venv /opt/venv
ENV VIRTUAL_ENV=/opt/venv PATH="/opt/venv/bin:$PATH"
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

# Runtime image: the virtualenv and the source only; compilers, headers and caches stay in
# the builder.
FROM python:3.11-slim
WORKDIR /app
ENV VIRTUAL_ENV=/opt/venv PATH="/opt/venv/bin:$PATH"
COPY --from=builder /opt/venv /opt/venv
COPY . .
COPY --from=assets /src/dist /app/static
CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]
