"""Settings shared by every environment. Everything that differs is read from the environment."""

from datetime import timedelta
from pathlib import Path

import django_stubs_ext
import environ

# Admin, form and formset classes are generic in django-stubs but not at runtime: let `ModelAdmin[Location]` be written.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve(strict=True).parent.parent.parent

env = environ.Env()
if env.bool("DJANGO_READ_DOT_ENV_FILE", default=False):
    env.read_env(str(BASE_DIR / ".env"))

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="insecure-local-development-key-change-me")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])

TIME_ZONE = "UTC"
# The zone staff pages show audit times in (made, changed, sent); charging times show in the station's own zone
# (chargepoints/templatetags/portal_time.py). Our English date formats are in config/formats.
PORTAL_TIME_ZONE = env("PORTAL_TIME_ZONE", default="Europe/Stockholm")
FORMAT_MODULE_PATH = ["config.formats"]
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("sv", "Svenska")]
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

DJANGO_APPS = [
    "daphne",  # first: its runserver serves websockets too (the OCPP gateway), so `make run` stays one command
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
]
THIRD_PARTY_APPS = [
    "rest_framework",
    "drf_spectacular",
    "django_filters",
    "django_celery_beat",
    "nested_admin",
    "drf_spectacular_sidecar",
    "axes",
]
LOCAL_APPS = [
    "tariffs",
    "chargepoints",
    "billing",
    "payments",
    "ocpi_api",
    "ocpi_api.push",
    "ocpp_gateway",
]
INSTALLED_APPS = DJANGO_APPS + THIRD_PARTY_APPS + LOCAL_APPS

MIDDLEWARE = [
    # Outermost, so it wraps them all: anything under /ocpi/ (unknown URLs, a bad Host, crashes) gets an OCPI envelope.
    "ocpi_api.core.middleware.OcpiEnvelopeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "chargepoints.languages.UserLanguageMiddleware",  # a signed-in user's stored language beats the cookie
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "chargepoints.staff_login.StaffSessionTimeoutMiddleware",
    "axes.middleware.AxesMiddleware",  # it answers a locked-out log-in itself
]

FORM_RENDERER = "config.form_renderer.FormRenderer"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "chargepoints.context_processors.portal",
            ],
        },
    },
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "stations:dashboard"
LOGOUT_REDIRECT_URL = "login"

# --- Staff login: lockout and session lifetime ------------------------------------------------------------------
# django-axes counts failed log-ins per username and per client address, separately: AXES_FAILURE_LIMIT failures
# for either lock it for AXES_COOLOFF_TIME (the login page says so). Staff unlock sooner in the admin (Axes → Access
# attempts: delete the rows). A successful log-in clears the user's count.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=10)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=30))
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "chargepoints.staff_login.lockout_response"  # the login page, saying why
# Reverse proxies in front of us that append the client's address to X-Forwarded-For (production: one).
AXES_TRUSTED_PROXY_COUNT = env.int("DJANGO_TRUSTED_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "chargepoints.staff_login.client_address"
# Sessions end SESSION_COOKIE_AGE after log-in at the latest (a working day), and after SESSION_IDLE_TIMEOUT without
# a request (chargepoints.staff_login), instead of Django's two weeks.
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 3600)
SESSION_IDLE_TIMEOUT = env.int("SESSION_IDLE_TIMEOUT", default=3600)
# Staff and finance lists count their rows exactly up to this many; above, PostgreSQL's estimate shows as "about N".
# Counting reads an index entry per row on every page: 20,000 take a few ms, a year's 200,000 sessions 20-40 ms.
STAFF_LIST_EXACT_COUNT = env.int("STAFF_LIST_EXACT_COUNT", default=20_000)
# The dashboard's catalogue counts come from a beat task (every minute); a request counts itself past this age (s).
DASHBOARD_SUMMARY_MAX_AGE = env.int("DASHBOARD_SUMMARY_MAX_AGE", default=300)

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=BASE_DIR / "var" / "media")

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

EMAIL_BACKEND = env("DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DJANGO_DEFAULT_FROM_EMAIL", default="billing@cpo.example")

# Our own apps log at DJANGO_LOG_LEVEL; everything else (fontTools, WeasyPrint, urllib3, …) only from WARNING up, so
# a PDF render or a seed run does not bury what we log. Django's own request log (django.server) keeps its default.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_THIRD_PARTY_LOG_LEVEL", default="WARNING")},
    "loggers": {
        package: {"level": env("DJANGO_LOG_LEVEL", default="INFO")}
        for package in sorted({"config", *(app.split(".")[0] for app in LOCAL_APPS)})
    }
    # The ocpp library logs every frame, idTags included, at INFO: the gateway's message log keeps them instead.
    | {"ocpp": {"level": env("OCPP_LIBRARY_LOG_LEVEL", default="WARNING")}},
}

# --- Celery -------------------------------------------------------------------------------------
# No broker configured means eager, in-process execution: the zero-service default for newcomers.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="memory://")
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=CELERY_BROKER_URL == "memory://")
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=None)
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = "UTC"
CELERY_TASK_TIME_LIMIT = 10 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 9 * 60
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

# --- DRF and OpenAPI ----------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "CPO portal OCPI API",
    "DESCRIPTION": "OCPI 2.2.1 and 2.1.1 endpoints of this charge point operator, and the station search API for "
    "partners.",
    "VERSION": "2.2.1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",  # Swagger UI from our static files, never a CDN
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "PREPROCESSING_HOOKS": ["ocpi_api.core.openapi.ocpi_paths_without_trailing_slash"],
    # The 2.1.1 URLs share the 2.2.1 views; this puts the 2.1.1 objects in their operations.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "ocpi_api.core.v211.schema.document_211",
    ],
    # OCPI reuses the field names "status" and "type" for different enumerations: name each one.
    "ENUM_NAME_OVERRIDES": {
        "EvseStatusEnum": "chargepoints.enums.EvseStatus",
        "SessionStatusEnum": "chargepoints.sessions.enums.SessionStatus",
        "TokenTypeEnum": "chargepoints.enums.TokenType",
        "CdrDimensionTypeEnum": "ocpi_api.modules.common.CDR_DIMENSIONS",
        "EnergySourceCategoryEnum": "tariffs.enums.EnergySourceCategory",
        "InterfaceRoleEnum": "ocpi_api.core.status.InterfaceRole",
        "RoleEnum": "ocpi_api.core.status.Role",
        "TariffDimensionTypeEnum": "tariffs.validators.DIMENSIONS",
        "TariffTypeEnum": "tariffs.models.TariffType",
    },
}

# --- Our own OCPI party ---------------------------------------------------------------------------
CPO_COUNTRY_CODE = env("CPO_COUNTRY_CODE", default="SE")
CPO_PARTY_ID = env("CPO_PARTY_ID", default="CPO")
CPO_BUSINESS_NAME = env("CPO_BUSINESS_NAME", default="Nordic Charge AB")
CPO_WEBSITE = env("CPO_WEBSITE", default="https://cpo.example")
# Used to build absolute URLs (versions URL, credentials) when there is no request to take them from.
PORTAL_BASE_URL = env("PORTAL_BASE_URL", default="http://127.0.0.1:8000")

# --- OCPI protocol (ocpi_api) -------------------------------------------------------------------
OCPI_MAX_PAGE_SIZE = env.int("OCPI_MAX_PAGE_SIZE", default=1000)  # advertised in X-Limit
OCPI_DEFAULT_PAGE_SIZE = env.int("OCPI_DEFAULT_PAGE_SIZE", default=100)
# (connect, read) seconds for every call to a partner; the credentials POST waits on two of them.
OCPI_CLIENT_TIMEOUT = (
    env.float("OCPI_CLIENT_CONNECT_TIMEOUT", default=5.0),
    env.float("OCPI_CLIENT_TIMEOUT", default=30.0),
)
# Outgoing calls (ocpi_api.core.egress): a partner's URL is only called when every address its host resolves to is
# public. Networks listed here may be called although they are loopback, private, link-local...: empty in production
# (add a partner's VPN range deliberately), loopback in development and tests. Comma-separated CIDRs.
OCPI_OUTGOING_ALLOWED_NETWORKS = env.list("OCPI_OUTGOING_ALLOWED_NETWORKS", default=[])
# Call https URLs only (production turns it on).
OCPI_OUTGOING_REQUIRE_HTTPS = env.bool("OCPI_OUTGOING_REQUIRE_HTTPS", default=False)

# --- Public station map ---------------------------------------------------------------------------
# A Leaflet tile URL template such as https://tile.openstreetmap.org/{z}/{x}/{y}.png (respect the tile server's
# usage policy and give its attribution). Empty means no tiles: markers on a plain background, and the result list.
MAP_TILE_URL = env("MAP_TILE_URL", default="")
MAP_TILE_ATTRIBUTION = env("MAP_TILE_ATTRIBUTION", default="")

# --- Billing: partner invoices (billing) ------------------------------------------------------------
# Periods are cut at local midnight in this zone; invoice and due dates are local dates there.
BILLING_TIME_ZONE = env("BILLING_TIME_ZONE", default="Europe/Stockholm")
# Numbers are <series>-<year>-<sequence>, gapless per series and year.
# Ad hoc payments (payments/, docs/payments.md). "demo": the in-process card provider of `make run` (no money
# moves; the payment page says so). "stripe": set the secret and publishable keys and the webhook endpoint's
# signing secret. The card form is Stripe.js from PAYMENTS_STRIPE_JS_URL (Stripe's own; tests point it at localstripe).
PAYMENTS_GATEWAY = env("PAYMENTS_GATEWAY", default="demo")
PAYMENTS_STRIPE_SECRET_KEY = env("PAYMENTS_STRIPE_SECRET_KEY", default="")
PAYMENTS_STRIPE_PUBLISHABLE_KEY = env("PAYMENTS_STRIPE_PUBLISHABLE_KEY", default="")
PAYMENTS_STRIPE_JS_URL = "https://js.stripe.com/v3/"
PAYMENTS_STRIPE_WEBHOOK_SECRET = env("PAYMENTS_STRIPE_WEBHOOK_SECRET", default="")
PAYMENTS_STRIPE_API_BASE = env("PAYMENTS_STRIPE_API_BASE", default="")  # empty: Stripe's own API
PAYMENTS_HOLD_AMOUNTS = {"SEK": "500", "NOK": "500", "DKK": "400", "EUR": "50", "*": "50"}
PAYMENTS_WATCHDOG_MARGIN = env.float("PAYMENTS_WATCHDOG_MARGIN", default=0.05)
PAYMENTS_RECEIPT_SERIES = env("PAYMENTS_RECEIPT_SERIES", default="RCP")
# A hold nothing happened to for this long with no session to pay for is released (payments.stranded, a periodic
# job): well above the charger's wait for the driver to plug in after a remote start (ocpp_gateway.remote_starts).
PAYMENTS_STRANDED_HOLD_MINUTES = env.int("PAYMENTS_STRANDED_HOLD_MINUTES", default=15)
BILLING_INVOICE_SERIES = env("BILLING_INVOICE_SERIES", default="INV")
BILLING_CREDIT_NOTE_SERIES = env("BILLING_CREDIT_NOTE_SERIES", default="CN")
# Our legal details as printed on every invoice (copied into each invoice when it is issued).
BILLING_SELLER = {
    "name": env("BILLING_SELLER_NAME", default=CPO_BUSINESS_NAME),
    "street": env("BILLING_SELLER_STREET", default="Kungsgatan 12"),
    "postal_code": env("BILLING_SELLER_POSTAL_CODE", default="753 21"),
    "city": env("BILLING_SELLER_CITY", default="Uppsala"),
    "country": env("BILLING_SELLER_COUNTRY", default="Sweden"),
    "registration_number": env("BILLING_SELLER_REGISTRATION_NUMBER", default="556677-8899"),
    "vat_number": env("BILLING_SELLER_VAT_NUMBER", default="SE556677889901"),
    "registered_office": env("BILLING_SELLER_REGISTERED_OFFICE", default="Uppsala"),
    "f_tax": env.bool("BILLING_SELLER_F_TAX", default=True),
    "email": env("BILLING_SELLER_EMAIL", default="billing@cpo.example"),
    "phone": env("BILLING_SELLER_PHONE", default="+46 18 123 45 67"),
    "website": CPO_WEBSITE,
    "our_reference": env("BILLING_SELLER_REFERENCE", default="Anna Lindqvist"),
    # Demo defaults: Bankgirot's test bankgiro number and the IBAN registry's Swedish example account.
    "bankgiro": env("BILLING_BANKGIRO", default="5050-1055"),
    "iban": env("BILLING_IBAN", default="SE45 5000 0000 0583 9825 7466"),
    "bic": env("BILLING_BIC", default="ESSESESS"),
}
BILLING_FROM_EMAIL = env("BILLING_FROM_EMAIL", default=DEFAULT_FROM_EMAIL)
BILLING_SEND_MAX_RETRIES = env.int("BILLING_SEND_MAX_RETRIES", default=5)
# Console e-mail in the demo; DJANGO_EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend writes files
# here, and the SMTP backend (production) reads the usual settings.
EMAIL_FILE_PATH = env("DJANGO_EMAIL_FILE_PATH", default=str(BASE_DIR / "var" / "mail"))
EMAIL_HOST = env("DJANGO_EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("DJANGO_EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("DJANGO_EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("DJANGO_EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("DJANGO_EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = env.int("DJANGO_EMAIL_TIMEOUT", default=30)

# --- OCPI push pipeline (ocpi_api.push) ---------------------------------------------------------
# (connect, read) seconds per call to a partner's Receiver endpoint; a slower answer counts as a network error.
OCPI_PUSH_TIMEOUT = (
    env.float("OCPI_PUSH_CONNECT_TIMEOUT", default=5.0),
    env.float("OCPI_PUSH_READ_TIMEOUT", default=15.0),
)
# A worker's claim on a row lasts the timeouts plus this margin; after that another worker may send the row again.
OCPI_PUSH_LEASE_MARGIN = env.float("OCPI_PUSH_LEASE_MARGIN", default=10.0)
# Retries: base·2^(n−1) seconds, capped, with jitter; a row that still fails when this old is dead-lettered.
OCPI_PUSH_RETRY_BASE = env.float("OCPI_PUSH_RETRY_BASE", default=5.0)
OCPI_PUSH_RETRY_CAP = env.float("OCPI_PUSH_RETRY_CAP", default=600.0)
OCPI_PUSH_MAX_AGE = env.float("OCPI_PUSH_MAX_AGE", default=24 * 3600.0)
# A command result matters only while the eMSP still waits for it (its timeout is a minute or so): retried this long.
OCPI_PUSH_MAX_AGE_COMMAND_RESULTS = env.float("OCPI_PUSH_MAX_AGE_COMMAND_RESULTS", default=600.0)
# Calls one task makes along a queue before it hands the rest to a new task.
OCPI_PUSH_BATCH = env.int("OCPI_PUSH_BATCH", default=50)
# A drain claims up to this many queue heads of a partner at once (one row per object), and serves up to
# OCPI_PUSH_THREADS partners side by side in each worker process, for at most OCPI_PUSH_DRAIN_SECONDS per task.
OCPI_PUSH_CLAIM_BATCH = env.int("OCPI_PUSH_CLAIM_BATCH", default=20)
OCPI_PUSH_THREADS = env.int("OCPI_PUSH_THREADS", default=8)
OCPI_PUSH_DRAIN_SECONDS = env.float("OCPI_PUSH_DRAIN_SECONDS", default=60.0)
# The sweeper runs this often (seconds) and re-queues due rows whose task went out longer than the grace ago.
OCPI_PUSH_SWEEP_INTERVAL = env.float("OCPI_PUSH_SWEEP_INTERVAL", default=30.0)
OCPI_PUSH_SWEEP_GRACE = env.float("OCPI_PUSH_SWEEP_GRACE", default=60.0)

# --- OCPI drivers: real-time authorization and commands (ocpi_api) ------------------------------------------------
# (connect, read) seconds to wait for an eMSP's real-time answer: a driver is waiting at the charger. Beyond it the
# eMSP counts as unreachable (ALLOWED_OFFLINE and real-time ALLOWED tokens fall back to our copy, NEVER is refused).
OCPI_REALTIME_AUTHORIZATION_TIMEOUT = (
    env.float("OCPI_REALTIME_AUTHORIZATION_CONNECT_TIMEOUT", default=2.0),
    env.float("OCPI_REALTIME_AUTHORIZATION_TIMEOUT", default=3.0),
)
# Seconds an eMSP is told to wait for a command's result (CommandResponse.timeout).
OCPI_COMMAND_TIMEOUT = env.int("OCPI_COMMAND_TIMEOUT", default=60)
# A RESERVE_NOW whose expiry_date is further ahead than this is refused with 2001 (an EVSE is not held for days).
OCPI_RESERVATION_MAX_HOURS = env.float("OCPI_RESERVATION_MAX_HOURS", default=24.0)

# --- Fixed periodic jobs ------------------------------------------------------------------------------------------
# django_celery_beat's DatabaseScheduler writes these entries as PeriodicTask rows at every beat start (by name), so
# they follow these settings. The jobs staff may edit (invoice run, token pull) are declared by their apps instead
# (``periodic_jobs`` on the AppConfig, see chargepoints.periodic) and created once.
CELERY_BEAT_SCHEDULE = {
    "ocpi-push-sweep": {"task": "ocpi_api.push.tasks.push_sweep", "schedule": OCPI_PUSH_SWEEP_INTERVAL},
    "ocpi-reservations-expire": {"task": "ocpi_api.tasks.reservations_expire_task", "schedule": 60.0},
    "chargepoints-catalogue-summary": {"task": "chargepoints.tasks.catalogue_summary_refresh_task", "schedule": 60.0},
    "chargepoints-dashboard-charts": {"task": "chargepoints.tasks.dashboard_charts_refresh_task", "schedule": 120.0},
}

# --- OCPP 1.6J chargers (ocpp_gateway) -----------------------------------------------------------------------------
# The channel layer carries commands to the process holding a charger's socket: in memory for one process (the
# embedded default), Redis when several gateway processes run (CHANNEL_LAYER_URL=redis://…).
CHANNEL_LAYER_URL = env("CHANNEL_LAYER_URL", default="")
CHANNEL_LAYERS = {
    "default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [CHANNEL_LAYER_URL]}}
    if CHANNEL_LAYER_URL
    else {"BACKEND": "channels.layers.InMemoryChannelLayer"}
}
OCPP_RESPONSE_TIMEOUT = env.int("OCPP_RESPONSE_TIMEOUT", default=30)  # seconds a charger has to answer our CALL
OCPP_MAX_FRAME_BYTES = env.int("OCPP_MAX_FRAME_BYTES", default=65536)  # larger frames close the connection (1009)
OCPP_MESSAGE_LOG_KEEP = env.int("OCPP_MESSAGE_LOG_KEEP", default=2000)  # newest frames kept per charger
OCPP_MESSAGE_LOG_FLUSH_SECONDS = env.float("OCPP_MESSAGE_LOG_FLUSH_SECONDS", default=0.5)
OCPP_DB_THREADS = env.int("OCPP_DB_THREADS", default=4)
# A connected charger silent for this many heartbeat intervals has its EVSEs shown UNKNOWN (checked every minute).
OCPP_SILENT_AFTER_HEARTBEATS = env.int("OCPP_SILENT_AFTER_HEARTBEATS", default=2)
# A charger a stopping gateway told to reconnect keeps its EVSEs' status this long (checked every minute) before they
# are shown UNKNOWN: a restart or deployment is over before that, and partners see no UNKNOWN and back for each EVSE.
OCPP_RELEASE_GRACE_SECONDS = env.int("OCPP_RELEASE_GRACE_SECONDS", default=60)
