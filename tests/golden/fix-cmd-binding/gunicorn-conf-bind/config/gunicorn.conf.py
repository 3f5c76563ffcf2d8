import multiprocessing
import os

bind = "0.0.0.0:" + os.environ.get("GUNICORN_PORT", "9000")
workers = multiprocessing.cpu_count() * 2 + 1
