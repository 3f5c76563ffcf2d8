FROM python:3.11
WORKDIR /app
COPY requirements.txt .
RUN pip install --user -r requirements.txt
ENV PATH=/root/.local/bin:$PATH
COPY . .
CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]
