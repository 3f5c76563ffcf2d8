SECRET_KEY = "golden"
INSTALLED_APPS = []
ROOT_URLCONF = "mysite.urls"
