"""Local development: SQLite and eager Celery unless the environment says otherwise."""

from .base import *  # noqa: F403
from .base import INSTALLED_APPS, env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
INSTALLED_APPS = ["whitenoise.runserver_nostatic", *INSTALLED_APPS]
