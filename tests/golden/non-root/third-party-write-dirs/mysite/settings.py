from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = "test"
INSTALLED_APPS = ["django.contrib.admin", "django.contrib.auth",
    "django.contrib.contenttypes", "django.contrib.sessions",
    "django.contrib.messages", "django.contrib.staticfiles",
    "compressor", "haystack", "dbbackup"]
ROOT_URLCONF = "mysite.urls"
WSGI_APPLICATION = "mysite.wsgi.application"
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3",
    "NAME": BASE_DIR / "db.sqlite3"}}

# django-compressor writes COMPRESS_ROOT/CACHE when a page renders {% compress %} (not offline),
# here on a volume outside the app.
COMPRESS_ROOT = "/srv/compress"
# Haystack's Whoosh index, written by update_index and the realtime signal processor.
HAYSTACK_CONNECTIONS = {
    "default": {
        "ENGINE": "haystack.backends.whoosh_backend.WhooshEngine",
        # Beside the settings (os.path.dirname(__file__)), in a directory the source COPY brings.
        "PATH": BASE_DIR / "mysite" / "whoosh_index",
    },
}
# django-dbbackup's file-system storage, outside the app.
DBBACKUP_STORAGE = "django.core.files.storage.FileSystemStorage"
DBBACKUP_STORAGE_OPTIONS = {"location": "/var/backups/mysite"}
