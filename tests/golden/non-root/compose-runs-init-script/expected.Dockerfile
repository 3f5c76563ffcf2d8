FROM python:3.11-slim
WORKDIR /usr/src/app
COPY requirements.txt ./
RUN pip install -r requirements.txt
COPY . /usr/src/app/
RUN ["chmod", "+x", "init.bash"]
RUN useradd --create-home --uid 10001 app \
    && mkdir -p /usr/src/app/staticfiles \
    && chown -R 10001:10001 /usr/src/app
USER 10001
EXPOSE 8000
