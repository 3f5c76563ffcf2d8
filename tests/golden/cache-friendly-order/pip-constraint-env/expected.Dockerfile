FROM python:3.11-slim
# pip reads PIP_<OPTION> variables: every install in the image honours the constraints
ENV PIP_CONSTRAINT=requirements/constraints.txt
WORKDIR /app
COPY requirements/base.txt requirements/constraints.txt requirements/
RUN pip install -r requirements/base.txt
COPY . .
CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]
