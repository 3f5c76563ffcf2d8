from mysite.settings.components import BASE_DIR

SECRET_KEY = "not-a-secret"
INSTALLED_APPS = ["django.contrib.staticfiles"]
ROOT_URLCONF = "mysite.urls"
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "static"
MEDIA_ROOT = BASE_DIR / "media"
