import os
port = os.environ.get("PORT", "8080")
bind = f"0.0.0.0:{port}"
workers = 2
accesslog = "/var/log/gunicorn-access.log"
errorlog = "logs/error.log"
pidfile = "/run/gunicorn.pid"
