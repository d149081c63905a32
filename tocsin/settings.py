"""Settings, all read from the environment (see docs/configuration.md)."""

import os
import secrets
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("TOCSIN_DATA_DIR", Path.cwd() / "var")).resolve()


def _flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key() -> str:
    """TOCSIN_SECRET_KEY, or a key generated once and kept in the data directory."""
    if key := os.environ.get("TOCSIN_SECRET_KEY"):
        return key
    path = DATA_DIR / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(50)
        # O_EXCL: when several processes start at once, the first writer wins.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return path.read_text().strip()
        with os.fdopen(fd, "w") as f:
            f.write(key)
        return key


SECRET_KEY = _secret_key()
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
    "tocsin.accounts",
    "tocsin.incidents",
    "tocsin.alerting",
    "tocsin.oncall",
    "tocsin.notify",
    "tocsin.webhooks",
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
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several web processes and the worker share one file: WAL lets readers run beside the
    # writer, IMMEDIATE takes the write lock up front so transactions queue instead of failing.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
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
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise looks here even when it is empty
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Serve static files straight from the apps: no collectstatic step before `tocsin serve`.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = BASE_URL.startswith("https://")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if _flag("TOCSIN_BEHIND_PROXY"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = True

# Request bodies larger than this are refused before they are parsed.
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("TOCSIN_MAX_BODY_BYTES", 1024 * 1024))

TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}

EMAIL_BACKEND = os.environ.get(
    "TOCSIN_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend"
)
EMAIL_HOST = os.environ.get("TOCSIN_SMTP_HOST", "localhost")
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
WEBHOOK_TIMEOUT = os.environ.get("TOCSIN_WEBHOOK_TIMEOUT", "10")
# Internal destinations webhooks may be sent to (none unless set): a flag that allows them all,
# and a comma-separated list of networks (`127.0.0.0/8,10.1.0.0/16`). Checked at start by
# tocsin/webhooks/destinations.py.
WEBHOOK_ALLOW_PRIVATE = os.environ.get("TOCSIN_WEBHOOK_ALLOW_PRIVATE", "")
WEBHOOK_ALLOWED_NETWORKS = os.environ.get("TOCSIN_WEBHOOK_ALLOWED_NETWORKS", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("TOCSIN_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # It announces every empty batch; Tocsin's worker logs what matters.
        "django_tasks_db": {"level": "WARNING"},
        # It logs every request's URL, and a Telegram Bot API URL holds the bot token.
        "httpx": {"level": "WARNING"},
    },
}
