SECRET_KEY = "x"
STATIC_URL = "/static/"
