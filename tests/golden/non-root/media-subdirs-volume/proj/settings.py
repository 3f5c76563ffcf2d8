import os

BASE_DIR = os.path.dirname(os.path.abspath(__file__))
SECRET_KEY = "x"
INSTALLED_APPS = ["django.contrib.contenttypes"]
DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", "NAME": "app"}}
MEDIA_ROOT = os.path.join(BASE_DIR, "media")
