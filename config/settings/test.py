"""Test settings: fast hashing, in-memory e-mail, eager Celery unless a test starts a real worker."""

from .base import *  # noqa: F403
from .base import TEMPLATES, env

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
TEMPLATES[0]["OPTIONS"]["debug"] = True  # type: ignore[index]
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
CELERY_TASK_EAGER_PROPAGATES = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# The tests' partners are servers on loopback; the SSRF tests empty this list again.
OCPI_OUTGOING_ALLOWED_NETWORKS = ["127.0.0.0/8", "::1/128"]
OCPI_OUTGOING_REQUIRE_HTTPS = False
DASHBOARD_SUMMARY_MAX_AGE = 0  # the tests' dashboards count what each test made
