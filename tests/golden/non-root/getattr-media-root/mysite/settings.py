import os

from mysite import configuration

BASE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SECRET_KEY = getattr(configuration, "SECRET_KEY", "x")
INSTALLED_APPS = ["django.contrib.contenttypes"]
DATABASES = getattr(configuration, "DATABASES", {})
MEDIA_ROOT = getattr(configuration, "MEDIA_ROOT", os.path.join(BASE_DIR, "media"))
