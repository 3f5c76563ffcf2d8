from .base import *  # noqa: F403

# Uploads go to a volume the deployment mounts.
MEDIA_ROOT = "/srv/uploads"
STATIC_ROOT = "/srv/static"
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": "/srv/data/site.db"}}
