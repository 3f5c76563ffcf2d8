from os import environ

from split_settings.tools import include, optional

# food_marketplace_api-like: the patterns are a tuple passed with a star.
_settings = (
    "components/base.py",
    optional("components/local.py"),
    "components/{}.py".format(environ.get("DJANGO_ENV", "prod")),
)

include(*_settings)
