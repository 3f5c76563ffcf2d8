# ---------- base ----------
FROM python:3.11-slim AS base

# Unbuffered logs, our code on PYTHONPATH
ENV PYTHONUNBUFFERED=1 \
    PYTHONPATH="/app"
WORKDIR /app

FROM base AS builder
COPY requirements.txt .
RUN pip install --prefix=/install -r requirements.txt

FROM base AS production

ENV PYTHONDONTWRITEBYTECODE=1
# Pull in the installed packages
COPY --from=builder /install /usr/local
COPY . .
CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]
