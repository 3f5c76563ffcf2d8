FROM python:3.11-bookworm AS base
ENV PYTHONUNBUFFERED=1
WORKDIR /app

FROM base AS back-builder
COPY . /builder
RUN --mount=type=bind,source=.git,target=/builder/.git \
    pip install --prefix=/install /builder

FROM base AS core
COPY --from=back-builder /install /usr/local
COPY . /app

FROM core AS production
CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]
