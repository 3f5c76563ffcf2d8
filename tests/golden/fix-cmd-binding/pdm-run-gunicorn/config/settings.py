INSTALLED_APPS = []
ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
