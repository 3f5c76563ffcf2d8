from setuptools import setup, find_packages

setup(
    name="mysite",
    version="1.0",
    packages=find_packages(),
    install_requires=["Django==5.1.4", "gunicorn==23.0.0", "psycopg2==2.9.10"],
)
