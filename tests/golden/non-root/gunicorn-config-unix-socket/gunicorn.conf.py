bind = ["unix:/run/gunicorn/app.sock"]
workers = 2
worker_class = "uvicorn.workers.UvicornWorker"
