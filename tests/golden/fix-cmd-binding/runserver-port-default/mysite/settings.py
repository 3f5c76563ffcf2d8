SECRET_KEY = "test"
DEBUG = True
ALLOWED_HOSTS = ["*"]
INSTALLED_APPS: list[str] = []
ROOT_URLCONF = "mysite.urls"
DATABASES: dict[str, dict[str, str]] = {}
