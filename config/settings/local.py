"""Local development: SQLite and eager Celery unless the environment says otherwise."""

from .base import *  # noqa: F403
from .base import INSTALLED_APPS, env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
INSTALLED_APPS = ["whitenoise.runserver_nostatic", *INSTALLED_APPS]
# Partners (or simulators) on this machine may be called in development.
OCPI_OUTGOING_ALLOWED_NETWORKS = env.list("OCPI_OUTGOING_ALLOWED_NETWORKS", default=["127.0.0.0/8", "::1/128"])
