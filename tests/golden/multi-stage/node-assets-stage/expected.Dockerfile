FROM node:20-slim AS assets
WORKDIR /src
COPY package.json .
RUN npm install
COPY . .
RUN npm run build

FROM python:3.11-slim
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
COPY --from=assets /src/dist /app/static
CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]
