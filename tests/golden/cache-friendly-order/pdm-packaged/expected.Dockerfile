FROM python:3.12-slim
ENV PDM_CHECK_UPDATE=false
RUN pip install -U pdm
WORKDIR /project
COPY pyproject.toml pdm.lock ./
RUN pdm sync --no-self --prod --no-editable
COPY . /project/
RUN pdm sync --prod --no-editable
CMD ["pdm", "run", "python", "manage.py", "runserver", "0.0.0.0:8000"]
