FROM python:3.11-slim
WORKDIR /app
COPY requirements.txt .
# install the dependencies
RUN set -eux; \
	pip install --no-cache-dir \
		# pinned in requirements.txt
		-r requirements.txt && \
	pip check
COPY . .
CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]
