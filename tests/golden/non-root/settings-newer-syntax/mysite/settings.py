from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = "x"
SITE = {"name": "shop", "domain": "shop.example"}
# Python 3.12+ (PEP 701): the same quotes inside the f-string's braces.
SITE_TITLE = f"{SITE["name"]} at {SITE["domain"]}"
INSTALLED_APPS = ["django.contrib.contenttypes"]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / "db" / "app.sqlite3"}}
MEDIA_ROOT = BASE_DIR / "uploads"
