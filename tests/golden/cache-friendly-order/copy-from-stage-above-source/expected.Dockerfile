FROM node:20-slim AS frontend
WORKDIR /frontend
COPY frontend/package.json ./
RUN npm install
COPY frontend/ ./
RUN npm run build

FROM python:3.11-slim
WORKDIR /code
COPY requirements.txt ./
RUN pip install --no-cache-dir -r requirements.txt
COPY --from=frontend /frontend/build /code/src/frontend/build
COPY ./ /code
WORKDIR /code/src
CMD ["gunicorn", "mysite.wsgi", "-b", "0.0.0.0:8000"]
