from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = "x"
INSTALLED_APPS = ["django.contrib.staticfiles"]
ROOT_URLCONF = "config.urls"
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
