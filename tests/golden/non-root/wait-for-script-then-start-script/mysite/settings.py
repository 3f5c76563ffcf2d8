from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = "not-a-secret"
INSTALLED_APPS = ["django.contrib.staticfiles"]
ROOT_URLCONF = "mysite.urls"
DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", "HOST": "db", "NAME": "app"}}
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "static"
