from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = "x"
INSTALLED_APPS = ["django.contrib.admin", "django.contrib.staticfiles"]
DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", "NAME": "app"}}
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
