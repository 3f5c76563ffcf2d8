FROM python:3.11-slim
ENV PROJECT_ROOT /project
ENV SRC_DIR /src
RUN mkdir $PROJECT_ROOT
COPY ./$SRC_DIR/requirements.txt $PROJECT_ROOT
WORKDIR $PROJECT_ROOT
RUN pip install --no-cache-dir -r requirements.txt
# The settings live in src/: in the image, /project/mysite/settings.py.
COPY ./$SRC_DIR $PROJECT_ROOT
RUN useradd --create-home --uid 10001 app \
    && mkdir -p /project/staticfiles \
    && chown 10001:10001 /project \
    && chown -R 10001:10001 /project/staticfiles
USER 10001
CMD ["sh", "-c", "python manage.py collectstatic --noinput && exec gunicorn mysite.wsgi:application --bind 0.0.0.0:8000"]
