import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = "x"
INSTALLED_APPS = ["django.contrib.contenttypes"]
DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", "NAME": "app"}}
# The image says where uploads go; a checkout keeps them next to the code.
MEDIA_ROOT = os.environ.get("MEDIA_DIR", BASE_DIR / "media")
