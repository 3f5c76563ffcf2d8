from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = "test"
INSTALLED_APPS = ["django.contrib.staticfiles", "compressor", "mysite"]
ROOT_URLCONF = "mysite.urls"
WSGI_APPLICATION = "mysite.wsgi.application"
TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True}]
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "compressor.finders.CompressorFinder",
]
DATABASES = {}

# Offline compression: requests only read the manifest; `manage.py compress`, which the
# entrypoint runs at every start, writes COMPRESS_ROOT/CACHE.
COMPRESS_ENABLED = True
COMPRESS_OFFLINE = True
# A directory the repository keeps (assets/.gitkeep), so the source COPY brings it root-owned.
COMPRESS_ROOT = BASE_DIR / "assets"
