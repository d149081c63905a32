"""Settings, all read from the environment (see docs/configuration.md)."""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF, UNSAFE_INLINE

from tocsin.security import files

BASE_DIR = Path(__file__).resolve().parent
# Readable by its owner only (0700), like the database and the secret key inside it (0600).
DATA_DIR = files.private_directory(
    Path(os.environ.get("TOCSIN_DATA_DIR", Path.cwd() / "var")).resolve()
)


def _flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


# Refused at start when it is the documentation's example, shorter than 50 characters, or
# made of fewer than 5 different characters (tocsin/security/files.py).
SECRET_KEY = files.secret_key(DATA_DIR)
DEBUG = _flag("TOCSIN_DEBUG")
BASE_URL = os.environ.get("TOCSIN_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("TOCSIN_ALLOWED_HOSTS", "*").split(",") if h.strip()
]
CSRF_TRUSTED_ORIGINS = [BASE_URL] + [
    o.strip() for o in os.environ.get("TOCSIN_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "ninja",  # serves the API docs' Swagger UI from its own static files, not a CDN
    "django_tasks",
    "django_tasks_db",
    "axes",
    "tocsin.accounts",
    "tocsin.incidents",
    "tocsin.alerting",
    "tocsin.oncall",
    "tocsin.notify",
    "tocsin.webhooks",
    "tocsin.statuspage",
    "tocsin.runbooks",
    "tocsin.hotfixes",
    "tocsin.tickets",
    "tocsin.drills",
    "tocsin.postincident",
    "tocsin.pages",  # pages that combine several domains; may import any app, nothing imports it
]

MIDDLEWARE = [
    "tocsin.chunked.ChunkedBodyMiddleware",
    "tocsin.http.DatabaseUnavailableMiddleware",
    "tocsin.http.JsonErrorsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "tocsin.accounts.middleware.UserTimezoneMiddleware",
    "tocsin.accounts.middleware.AgentScopeMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as its documentation asks: it turns a lockout into the sign-in page's message.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "tocsin.urls"
WSGI_APPLICATION = "tocsin.wsgi.application"

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
            ],
            # isolate, nobidi and linkify: every template that shows people's text has them.
            "builtins": ["tocsin.incidents.templatetags.tocsin_text"],
        },
    },
]

_sqlite_path = DATA_DIR / "tocsin.sqlite3"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("TOCSIN_DATABASE_URL", f"sqlite:///{_sqlite_path}"),
        conn_max_age=int(os.environ.get("TOCSIN_DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
files.private_sqlite_file(DATABASES["default"])
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several web processes and the worker share one file: WAL lets readers run beside the
    # writer, IMMEDIATE takes the write lock up front so transactions queue instead of failing.
    # Connections are kept between requests as on PostgreSQL: opening one (and setting it up)
    # costs several times what an intake request does.
    # The threads of a process take the write lock in turn (tocsin/dbbackends/sqlite3).
    DATABASES["default"]["ENGINE"] = "tocsin.dbbackends.sqlite3"
    # The test suite's database: in memory, as for Django's own SQLite backend.
    DATABASES["default"]["TEST"] = {"NAME": ":memory:"}
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # Refuses a locked-out account or address before the password is even checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "incident-list"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
# The user documentation, served at /docs/ (tocsin/manual.py).
DOCS_DIR = BASE_DIR.parent / "docs"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise looks here even when it is empty
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Serve static files straight from the apps: no collectstatic step before `tocsin serve`.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

HTTPS = BASE_URL.startswith("https://")
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
# Browsers that reached Tocsin over HTTPS once refuse plain HTTP to it for a year. Sent on
# HTTPS responses only; nothing changes for an http:// address such as the embedded default.
SECURE_HSTS_SECONDS = int(os.environ.get("TOCSIN_HSTS_SECONDS", 365 * 24 * 3600)) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = _flag("TOCSIN_HSTS_INCLUDE_SUBDOMAINS")
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
BEHIND_PROXY = _flag("TOCSIN_BEHIND_PROXY")
# How many proxies in front of Tocsin append to X-Forwarded-For (a CDN before nginx: 2).
PROXY_COUNT = int(os.environ.get("TOCSIN_PROXY_COUNT", "1"))
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = True

# Only Tocsin's own files, no inline script. Inline style *attributes* are allowed (and no
# <style> element): severity colours are data that an admin chooses, and the schedule's
# timeline places each shift by percentage, neither of which a fixed class can express. The
# data: image is the page icon in base.html.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "style-src-attr": [UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Sign-in throttling (django-axes, tocsin/security/signin.py): after this many failed sign-ins
# an account is locked, whatever the address they came from; a client address is locked after
# its own, higher limit, whatever the accounts tried. Failures count until a pause of the
# lockout's length; a successful sign-in forgives the account's own.
AXES_FAILURE_LIMIT = int(os.environ.get("TOCSIN_SIGN_IN_FAILURE_LIMIT", "5"))
SIGN_IN_ADDRESS_FAILURE_LIMIT = int(os.environ.get("TOCSIN_SIGN_IN_ADDRESS_FAILURE_LIMIT", "20"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("TOCSIN_SIGN_IN_LOCKOUT_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_HANDLER = "tocsin.security.signin.SignInThrottle"
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "tocsin.security.signin.account_name"
AXES_CLIENT_IP_CALLABLE = "tocsin.security.signin.client_address"
AXES_LOCKOUT_CALLABLE = "tocsin.security.signin.lockout_response"
AXES_RESET_ON_SUCCESS = True
# A lockout lasts its length from the failure that caused it: attempts while locked out do
# not prolong it, so "try again in 15 minutes" holds.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# No history of successful sign-ins is kept; failures are kept for the lockout's length.
AXES_DISABLE_ACCESS_LOG = True
# "No ip_address in AXES_LOCKOUT_PARAMETERS": SignInThrottle counts each address itself, with a
# limit of its own.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

# Request bodies larger than this are refused before they are parsed.
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("TOCSIN_MAX_BODY_BYTES", 1024 * 1024))
# Django limits a multipart body's fields only: the first handler limits its files too, to the
# same size except where a URL takes uploads (ticket attachments, tocsin/http.py body_limit).
FILE_UPLOAD_HANDLERS = [
    "tocsin.http.BodyLimitUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
# Ticket attachments (docs/tickets.md, "Attachments") are read by tocsin/tickets/attachments/conf.py
# from TOCSIN_ATTACHMENT_DIR (default DATA_DIR / "attachments") and TOCSIN_ATTACHMENT_MAX_*.

TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}

# E-mail (docs/email.md). Without TOCSIN_SMTP_HOST no mail server is set up: e-mail is kept
# here, to be read on the Deliveries page, instead of being sent.
EMAIL_BACKEND = os.environ.get(
    "TOCSIN_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend"
)
EMAIL_HOST = os.environ.get("TOCSIN_SMTP_HOST", "").strip()
EMAIL_PORT = int(os.environ.get("TOCSIN_SMTP_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("TOCSIN_SMTP_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("TOCSIN_SMTP_PASSWORD", "")
EMAIL_USE_TLS = _flag("TOCSIN_SMTP_STARTTLS")
EMAIL_USE_SSL = _flag("TOCSIN_SMTP_SSL")
EMAIL_TIMEOUT = int(os.environ.get("TOCSIN_SMTP_TIMEOUT", "10"))
# How long an acknowledge link in a page e-mail stays valid.
ACK_LINK_TTL_HOURS = float(os.environ.get("TOCSIN_ACK_LINK_TTL_HOURS", "24"))
DEFAULT_FROM_EMAIL = os.environ.get("TOCSIN_EMAIL_FROM", "Tocsin <tocsin@localhost>")

# Chat (docs/telegram.md, docs/slack.md). A chat is set up when its bot token is present; the
# API URLs change only for a self-hosted Telegram Bot API server, a proxy, or the tests.
TELEGRAM_BOT_TOKEN = os.environ.get("TOCSIN_TELEGRAM_BOT_TOKEN", "")
TELEGRAM_WEBHOOK_SECRET = os.environ.get("TOCSIN_TELEGRAM_WEBHOOK_SECRET", "")
TELEGRAM_API_URL = os.environ.get("TOCSIN_TELEGRAM_API_URL", "https://api.telegram.org").rstrip("/")
SLACK_BOT_TOKEN = os.environ.get("TOCSIN_SLACK_BOT_TOKEN", "")
SLACK_SIGNING_SECRET = os.environ.get("TOCSIN_SLACK_SIGNING_SECRET", "")
SLACK_API_URL = os.environ.get("TOCSIN_SLACK_API_URL", "https://slack.com/api/")
# Outgoing webhooks (docs/webhooks.md): seconds one POST may take before it is retried.
WEBHOOK_TIMEOUT = os.environ.get("TOCSIN_WEBHOOK_TIMEOUT", "5")
# Internal destinations webhooks may be sent to (none unless set): a flag that allows them all,
# and a comma-separated list of networks (`127.0.0.0/8,10.1.0.0/16`). Checked at start by
# tocsin/webhooks/destinations.py.
WEBHOOK_ALLOW_PRIVATE = os.environ.get("TOCSIN_WEBHOOK_ALLOW_PRIVATE", "")
WEBHOOK_ALLOWED_NETWORKS = os.environ.get("TOCSIN_WEBHOOK_ALLOWED_NETWORKS", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    # Django names the path of each refused request, and some paths hold a secret.
    "filters": {"secret_urls": {"()": "tocsin.security.logs.RedactSecretUrls"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["secret_urls"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("TOCSIN_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # It announces every empty batch; Tocsin's worker logs what matters.
        "django_tasks_db": {"level": "WARNING"},
        # It logs every request's URL, and a Telegram Bot API URL holds the bot token.
        "httpx": {"level": "WARNING"},
        # Its information is every sign-in and clean-up; failures and lockouts are warnings.
        "axes": {"level": "WARNING"},
    },
}
