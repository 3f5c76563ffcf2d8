FROM python:3.11-slim
WORKDIR /code
COPY requirements.txt /code/
RUN pip install -r requirements.txt
COPY . /code/
RUN mkdir -p /code/proj/media/images /code/proj/media/original_images && chown -R 1000:2000 /code/proj/media
RUN useradd --create-home --uid 10001 app \
    && mkdir -p /code/proj/media /code/proj/media/images \
    && chown 10001:10001 /code \
    && chown -R 10001:10001 /code/proj/media
USER 10001
VOLUME ["/code/proj/media/images/"]
CMD ["gunicorn", "proj.wsgi", "--bind", "0.0.0.0:8000"]
