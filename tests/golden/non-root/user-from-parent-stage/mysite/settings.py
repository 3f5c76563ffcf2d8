STATIC_ROOT = "/home/app/web/staticfiles"
DATABASES = {}
