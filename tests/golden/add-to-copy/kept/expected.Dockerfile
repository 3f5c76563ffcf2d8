FROM python:3.11-slim
ARG ASSETS=assets.tgz
ADD https://example.com/wait-for-it.sh /usr/local/bin/
ADD vendor.tar.gz /opt/vendor/
ADD fonts.bin /usr/share/fonts/
ADD $ASSETS /app/assets/
ADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d settings.json /etc/app/
WORKDIR /app
COPY . .
CMD ["python", "manage.py", "runserver", "0.0.0.0:8000"]
