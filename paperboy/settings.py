"""Django settings for Paperboy, read from environment variables (see docs/configuration.md)."""

from __future__ import annotations

import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from paperboy.config import (
    env_bool,
    env_choice,
    env_float,
    env_int,
    env_is_set,
    env_list,
    env_path,
    env_str,
    env_url,
)
from paperboy.email import email_settings
from paperboy.proxy import parse_networks

BASE_DIR = Path(__file__).resolve().parent.parent
# A source checkout keeps its data in ./var beside the code; an installed package (pip
# install paperboy) in ./var under the directory it is started from.
_CHECKOUT = (BASE_DIR / "pyproject.toml").exists()
DATA_DIR = env_path("PAPERBOY_DATA_DIR", (BASE_DIR if _CHECKOUT else Path.cwd()) / "var")
DEMO_DATA_DIR = env_path("PAPERBOY_DEMO_DATA_DIR", BASE_DIR.parent / "shared" / "data")

DEBUG = env_bool("PAPERBOY_DEBUG", False)
BASE_URL = env_url("PAPERBOY_BASE_URL", "http://127.0.0.1:8000")
# An https base URL means a public deployment: secure cookies, HSTS, a real secret key.
PRODUCTION = BASE_URL.startswith("https://")


def _secret_key() -> str:
    """Use PAPERBOY_SECRET_KEY (or _FILE), or a random key kept in the data folder for local
    installs; a public (https) deployment must set its own."""
    configured = env_str("PAPERBOY_SECRET_KEY", "")
    if configured:
        if len(configured) < 32:
            raise ImproperlyConfigured("PAPERBOY_SECRET_KEY must be at least 32 characters")
        return configured
    if PRODUCTION:
        raise ImproperlyConfigured(
            "PAPERBOY_BASE_URL is https (production) but neither PAPERBOY_SECRET_KEY nor "
            "PAPERBOY_SECRET_KEY_FILE is set: the generated demo key is refused there"
        )
    key_file = DATA_DIR / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("PAPERBOY_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = [BASE_URL]

# Reverse proxies whose X-Forwarded-For / -Proto are believed (paperboy/proxy.py).
TRUSTED_PROXY_NETWORKS = parse_networks(env_list("PAPERBOY_TRUSTED_PROXIES", []))
if TRUSTED_PROXY_NETWORKS:
    # Safe: TrustedProxyMiddleware drops this header from every peer that is not trusted.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Transport security (docs/configuration.md, "Production"). Each check --deploy warning is
# answered by a setting; one switched off explicitly is the operator's decision and silenced.
SILENCED_SYSTEM_CHECKS = [
    # django-ratelimit knows only a few cache classes by name; DiskCache and Django's own
    # Redis backend both count atomically (docs/decisions.md, rate limits).
    "django_ratelimit.W001",
]
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = PRODUCTION
SESSION_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = env_int("PAPERBOY_HSTS_SECONDS", 31_536_000 if PRODUCTION else 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("PAPERBOY_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("PAPERBOY_HSTS_PRELOAD", False)
SECURE_SSL_REDIRECT = env_bool("PAPERBOY_SSL_REDIRECT", PRODUCTION and bool(TRUSTED_PROXY_NETWORKS))
for _name, _check in (
    ("PAPERBOY_HSTS_SECONDS", "security.W004"),
    ("PAPERBOY_HSTS_INCLUDE_SUBDOMAINS", "security.W005"),
    ("PAPERBOY_HSTS_PRELOAD", "security.W021"),
    ("PAPERBOY_SSL_REDIRECT", "security.W008"),
):
    if env_is_set(_name) and not env_bool(_name, True):
        SILENCED_SYSTEM_CHECKS.append(_check)

INSTALLED_APPS = [
    "csp",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "paperboy",
    "catalog",
    "community",
    "search",
    "digests",
    "django_tasks",
    "django_tasks_db",
    "web",
    "ninja",
]

MIDDLEWARE = [
    "paperboy.proxy.TrustedProxyMiddleware",
    "paperboy.unavailable.DatabaseUnavailableMiddleware",
    "paperboy.hostile.RejectNulMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "api.errors.ApiJsonErrorsMiddleware",
    "api.ratelimit.ApiRateLimitMiddleware",
    "paperboy.page_cache.AnonymousPageCacheMiddleware",
]

ROOT_URLCONF = "paperboy.urls"
WSGI_APPLICATION = "paperboy.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
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

DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'paperboy.sqlite3'}")
try:
    # Health checks: a kept connection is tested (one round trip) before a request reuses
    # it, so after a database restart each thread reconnects at once instead of failing
    # its first request (behind nginx, that 503 took the node out for fail_timeout again).
    _database = dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)
except ValueError as error:
    raise ImproperlyConfigured(f"DATABASE_URL={DATABASE_URL!r} is not valid: {error}") from None
if _database["ENGINE"] == "django.db.backends.sqlite3":
    # Kept open like PostgreSQL's (conn_max_age above): a new SQLite connection per request
    # re-ran the PRAGMAs, re-read the schema and started with a cold page cache.
    # WAL lets the web server read while an import writes; IMMEDIATE avoids upgrade deadlocks.
    _database["OPTIONS"] = {
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000;"
            " PRAGMA foreign_keys=ON;"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }
    Path(_database["NAME"]).parent.mkdir(parents=True, exist_ok=True)
elif _database["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("DATABASE_URL must be a sqlite:// or postgres:// URL")
DATABASES = {"default": _database}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "community.User"
# Django's database sessions, read with a plain statement (community/sessions.py).
SESSION_ENGINE = "community.sessions"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

LOG_LEVEL = env_choice(
    "PAPERBOY_LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["stderr"], "level": LOG_LEVEL},
}

# --- Paperboy ----------------------------------------------------------------------------
PAPERBOY_IMPORT_BATCH_SIZE = env_int("PAPERBOY_IMPORT_BATCH_SIZE", 2000, minimum=1, maximum=20000)
PAPERBOY_ARXIV_API_URL = env_url("PAPERBOY_ARXIV_API_URL", "https://export.arxiv.org/api/query")
PAPERBOY_ARXIV_OAI_URL = env_url("PAPERBOY_ARXIV_OAI_URL", "https://oaipmh.arxiv.org/oai")
PAPERBOY_ARXIV_RSS_URL = env_url("PAPERBOY_ARXIV_RSS_URL", "https://rss.arxiv.org/atom")
PAPERBOY_HTTP_TIMEOUT = env_float("PAPERBOY_HTTP_TIMEOUT", 30.0, minimum=0.1)
PAPERBOY_HTTP_RETRIES = env_int("PAPERBOY_HTTP_RETRIES", 5, minimum=0, maximum=50)
PAPERBOY_HTTP_MAX_WAIT = env_float("PAPERBOY_HTTP_MAX_WAIT", 600.0, minimum=0)
PAPERBOY_HTTP_USER_AGENT = env_str(
    "PAPERBOY_HTTP_USER_AGENT", "Paperboy/0.1 (+https://github.com/paperboy; self-hosted)"
)
PAPERBOY_SERVE_WORKERS = env_int("PAPERBOY_SERVE_WORKERS", 2, minimum=1, maximum=64)
PAPERBOY_SERVE_THREADS = env_int("PAPERBOY_SERVE_THREADS", 2, minimum=1, maximum=64)

# Mail: one URL picks the backend (paperboy/email.py). The default keeps a file outbox.
globals().update(email_settings(env_str("PAPERBOY_EMAIL_URL", f"file://{DATA_DIR / 'outbox'}")))
DEFAULT_FROM_EMAIL = env_str("PAPERBOY_FROM_EMAIL", "Paperboy <paperboy@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Domains accepted for sign-ups and digests although they are not public names (tests, an
# intranet); lower-case, exact match.
PAPERBOY_MAIL_ALLOWED_DOMAINS = [d.lower() for d in env_list("PAPERBOY_MAIL_ALLOWED_DOMAINS", [])]

# Digests (docs/configuration.md, "Digests").
PAPERBOY_DIGEST_CONFIRM_DAYS = env_int("PAPERBOY_DIGEST_CONFIRM_DAYS", 7, minimum=1)
PAPERBOY_DIGEST_SEND_RATE = env_float("PAPERBOY_DIGEST_SEND_RATE", 0.0, minimum=0)
PAPERBOY_DIGEST_MAX_ATTEMPTS = env_int("PAPERBOY_DIGEST_MAX_ATTEMPTS", 6, minimum=1)
PAPERBOY_DIGEST_RETRY_SECONDS = env_int("PAPERBOY_DIGEST_RETRY_SECONDS", 300, minimum=1)
PAPERBOY_DIGEST_MAX_HARD_FAILURES = env_int("PAPERBOY_DIGEST_MAX_HARD_FAILURES", 3, minimum=1)
PAPERBOY_DIGEST_CLAIM_SECONDS = env_int("PAPERBOY_DIGEST_CLAIM_SECONDS", 900, minimum=10)
PAPERBOY_DIGEST_MAX_PAPERS = env_int("PAPERBOY_DIGEST_MAX_PAPERS", 30, minimum=1, maximum=100)
PAPERBOY_RATE_SUBSCRIBE = env_int("PAPERBOY_RATE_SUBSCRIBE", 5, minimum=1)
PAPERBOY_WORKER_INTERVAL = env_int("PAPERBOY_WORKER_INTERVAL", 300, minimum=5)
# A task whose worker has not said it is alive for this long is run again by another
# (paperboy/leases.py); finished task results are kept this many days.
# Scheduled harvests (paperboy/schedule.py): the OAI-PMH harvest daily, and these categories
# arXiv RSS listings every PAPERBOY_HARVEST_RSS_HOURS. Off by default: the demo is offline.
PAPERBOY_HARVEST_OAI = env_bool("PAPERBOY_HARVEST_OAI", False)
PAPERBOY_HARVEST_OAI_SET = env_str("PAPERBOY_HARVEST_OAI_SET", "")
PAPERBOY_HARVEST_RSS = env_list("PAPERBOY_HARVEST_RSS", [])
PAPERBOY_HARVEST_RSS_HOURS = env_int("PAPERBOY_HARVEST_RSS_HOURS", 6, minimum=1, maximum=168)
# Background tasks of the embedding backfill queued each worker round (search/tasks.py):
# that many workers share it. 0 leaves embedding to `paperboy index embed`.
PAPERBOY_EMBED_TASKS = env_int("PAPERBOY_EMBED_TASKS", 0, minimum=0, maximum=64)
# Mails from requests (paperboy/outbox.py): "worker" queues them for `paperboy worker`;
# "eager" tries once in the request and leaves retries to the queue.
PAPERBOY_MAIL_QUEUE = env_choice("PAPERBOY_MAIL_QUEUE", "worker", ("worker", "eager"))
PAPERBOY_WORKER_LEASE_SECONDS = env_int("PAPERBOY_WORKER_LEASE_SECONDS", 60, minimum=2)
PAPERBOY_TASK_RESULT_DAYS = env_int("PAPERBOY_TASK_RESULT_DAYS", 14, minimum=1)

# Webhooks (digests/services/webhooks.py): how long a post may take, how many failures in a
# row disable one, and whether private and loopback addresses may be posted to (tests, or a
# receiver inside the operator's own network).
PAPERBOY_WEBHOOK_TIMEOUT = env_float("PAPERBOY_WEBHOOK_TIMEOUT", 5.0, minimum=0.1)
PAPERBOY_WEBHOOK_MAX_FAILURES = env_int("PAPERBOY_WEBHOOK_MAX_FAILURES", 5, minimum=1)
PAPERBOY_WEBHOOK_ALLOW_PRIVATE = env_bool("PAPERBOY_WEBHOOK_ALLOW_PRIVATE", False)

# Background jobs: django-tasks with its database backend; `paperboy worker` runs them.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# Caches. "default" holds rate limits and throttles: DiskCache in the data folder (atomic
# across the processes of one machine) or Redis (across machines). "pages" holds the
# anonymous page cache: each process's memory, or the same Redis.
_cache_url = env_str("PAPERBOY_CACHE_URL", "disk:")
_LOCMEM = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
if _cache_url.startswith(("redis://", "rediss://")):
    _REDIS = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _cache_url}
    CACHES = {"default": _REDIS, "pages": {**_REDIS, "KEY_PREFIX": "page"}}
elif _cache_url == "disk:":
    CACHES = {
        "default": {
            "BACKEND": "paperboy.cache.SharedDiskCache",  # one per process, kept open
            "LOCATION": str(DATA_DIR / "cache"),
            "SHARDS": 4,
            "DATABASE_TIMEOUT": 2.0,  # waits for another process's write instead of failing
        },
        "pages": {**_LOCMEM, "LOCATION": "pages"},
    }
elif _cache_url == "locmem:":  # one process only: limits are per process
    CACHES = {"default": _LOCMEM, "pages": {**_LOCMEM, "LOCATION": "pages"}}
else:
    raise ImproperlyConfigured(
        f"PAPERBOY_CACHE_URL={_cache_url!r}: use disk:, locmem: or redis://host:6379/0"
    )
# Rendered paper cards (web/cards.py). Their keys name the version they show, so each
# process keeps its own: nothing to invalidate, no network round trip per card.
CACHES["fragments"] = {
    **_LOCMEM,
    "LOCATION": "fragments",
    "TIMEOUT": 3600,
    "OPTIONS": {"MAX_ENTRIES": 20000},
}
RATELIMIT_USE_CACHE = "default"

# Content-Security-Policy (django-csp): the site's pages use no inline script or style.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "https:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:home"
PAPERBOY_VERIFY_LINK_DAYS = env_int("PAPERBOY_VERIFY_LINK_DAYS", 3, minimum=1)
PAPERBOY_RATE_LOGIN = env_int("PAPERBOY_RATE_LOGIN", 10, minimum=1)
PAPERBOY_RATE_SIGNUP = env_int("PAPERBOY_RATE_SIGNUP", 5, minimum=1)
PAPERBOY_RATE_API = env_int("PAPERBOY_RATE_API", 120, minimum=1)
PAPERBOY_RATE_PASSWORD_RESET = env_int("PAPERBOY_RATE_PASSWORD_RESET", 3, minimum=1)
PAPERBOY_RATE_COMMENTS = env_int("PAPERBOY_RATE_COMMENTS", 10, minimum=1)
PAPERBOY_PAGE_CACHE_SECONDS = env_int("PAPERBOY_PAGE_CACHE_SECONDS", 30, minimum=0, maximum=3600)

PAPERBOY_INDEX_DIR = env_path("PAPERBOY_INDEX_DIR", DATA_DIR / "index")
PAPERBOY_SEARCH_SHARDS = env_int("PAPERBOY_SEARCH_SHARDS", 2, minimum=1, maximum=32)
PAPERBOY_EMBED_DEVICE = env_choice("PAPERBOY_EMBED_DEVICE", "cpu", ("cpu", "cuda"))
PAPERBOY_EMBED_THREADS = env_int("PAPERBOY_EMBED_THREADS", 2, minimum=1, maximum=64)
PAPERBOY_QUERY_MODEL = env_choice("PAPERBOY_QUERY_MODEL", "auto", ("auto", "int8", "float"))
PAPERBOY_WARM_UP = env_bool("PAPERBOY_WARM_UP", True)
PAPERBOY_VECTOR_INDEX_MIN = env_int("PAPERBOY_VECTOR_INDEX_MIN", 20_000, minimum=1)
PAPERBOY_VECTOR_PROBES = env_int("PAPERBOY_VECTOR_PROBES", 0, minimum=0, maximum=65_536)
PAPERBOY_VECTOR_THREADS = env_int("PAPERBOY_VECTOR_THREADS", 1, minimum=1, maximum=64)
PAPERBOY_VECTOR_SPARE_THREADS = env_int("PAPERBOY_VECTOR_SPARE_THREADS", 2, minimum=1, maximum=64)
# /healthz answers 503 when this node's keyword index is further behind the catalogue than
# this many seconds (0: never), so a load balancer drains a node whose follower fell behind.
PAPERBOY_MAX_INDEX_LAG = env_float("PAPERBOY_MAX_INDEX_LAG", 0.0, minimum=0)

# Community rules and ranking (docs/configuration.md, "Community").
PAPERBOY_SUBMISSION_MAX_AGE_DAYS = env_int("PAPERBOY_SUBMISSION_MAX_AGE_DAYS", 14, minimum=1)
PAPERBOY_SUBMISSIONS_PER_DAY = env_int("PAPERBOY_SUBMISSIONS_PER_DAY", 3, minimum=0)
PAPERBOY_TRENDING_WINDOW_DAYS = env_int("PAPERBOY_TRENDING_WINDOW_DAYS", 7, minimum=1, maximum=90)
PAPERBOY_TRENDING_GRAVITY = env_float("PAPERBOY_TRENDING_GRAVITY", 1.5, minimum=0)
PAPERBOY_TRENDING_STARS_WEIGHT = env_float("PAPERBOY_TRENDING_STARS_WEIGHT", 2.0, minimum=0)
