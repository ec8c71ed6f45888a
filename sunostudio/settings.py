"""Settings from environment variables, with safe local defaults.

`DJANGO_ENV=production` switches to the production mode in which `manage.py check --deploy` is clean.
"""

import base64
import hashlib
import os
import re
import tempfile
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote, urlsplit

import dj_database_url
from csp.constants import NONCE

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


PRODUCTION = os.environ.get("DJANGO_ENV", "development") == "production"

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if PRODUCTION:
        raise RuntimeError("SECRET_KEY must be set when DJANGO_ENV=production")
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production-0123456789abcdef"

DEBUG = env_bool("DEBUG", not PRODUCTION)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.humanize",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "django_q",
    "csp",  # Content-Security-Policy header (the security block below)
    "axes",  # login throttling, with its admin to see and unlock lockouts (the security block below)
    # The studio's layers, lowest first (pyproject.toml's import contracts keep them one-way):
    # suno (no app) <- sunostudio <- accounts <- moderation <- songs <- personas <- notifications
    # <- playlists.
    "sunostudio",
    "accounts",
    "moderation",
    "songs",
    "personas",
    "notifications",
    "playlists",
]

MIDDLEWARE = [
    "sunostudio.logs.RequestLogMiddleware",  # first: request id on every response, one line per request
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",  # on every response, static files included
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "sunostudio.middleware.RequestBodyLimitMiddleware",  # after messages and auth, before any view reads POST
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "sunostudio.middleware.HtmxLoginRedirectMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a locked-out login into our lockout page
]

ROOT_URLCONF = "sunostudio.urls"
WSGI_APPLICATION = "sunostudio.wsgi.application"
ASGI_APPLICATION = "sunostudio.asgi.application"

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
                "sunostudio.context_processors.staff_status",
                "accounts.context_processors.credits",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------------------------
# SQLite in WAL mode with a busy timeout is the embedded default; DATABASE_URL selects PostgreSQL.
DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0 if DEBUG else 60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;",
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool(
    "DATABASE_PREPARED_STATEMENTS", True
):
    # PostgreSQL plans a statement it has prepared once per connection, not on every run: the Library's
    # row query took longer to plan than to run. Off behind a pooler in transaction mode (PgBouncer
    # before 1.21), which can't keep a connection's prepared statements (docs/deploy.md).
    DATABASES["default"]["OPTIONS"] = {"server_side_binding": True, "prepare_threshold": 5}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "songs:library"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
if not PRODUCTION:
    STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise warns when it's missing; development serves from finders
# --- Media: local disk or a private S3-compatible bucket (docs/media.md) ------------------------------
# Never served from MEDIA_URL: every file goes through a view that checks who may have it, then answers
# Range itself, hands the file to nginx (MEDIA_X_ACCEL_REDIRECT), or redirects to a presigned URL.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
MEDIA_URL = "/media/"  # never served directly: media goes through the owner-checking view
MEDIA_STORAGE = os.environ.get("MEDIA_STORAGE", "local")
# Downloads are assembled here, on this machine, and reach the storage only once complete; the sweep
# removes what a killed worker left behind after an hour.
MEDIA_TEMP_DIR = Path(os.environ.get("MEDIA_TEMP_DIR", Path(tempfile.gettempdir()) / "sunostudio-media"))
MEDIA_X_ACCEL_REDIRECT = os.environ.get("MEDIA_X_ACCEL_REDIRECT", "")  # e.g. /protected-media/ (local only)
# A presigned URL must outlive a listening session: Chromium sends its later Range requests (seeks) to the
# URL it was redirected to.
MEDIA_SIGNED_URL_SECONDS = int(os.environ.get("MEDIA_SIGNED_URL_SECONDS", "3600"))
MEDIA_S3_PROXY = env_bool("MEDIA_S3_PROXY", False)  # stream through Django when browsers can't reach S3
if MEDIA_STORAGE == "local":
    _MEDIA_BACKEND = {"BACKEND": "sunostudio.storage.AtomicFileSystemStorage"}
elif MEDIA_STORAGE == "s3":
    if not os.environ.get("AWS_STORAGE_BUCKET_NAME"):
        raise RuntimeError("MEDIA_STORAGE=s3 needs AWS_STORAGE_BUCKET_NAME (and usually AWS_S3_ENDPOINT_URL)")
    # Credentials come from boto3's usual chain: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, or a role.
    _MEDIA_BACKEND = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["AWS_STORAGE_BUCKET_NAME"],
            "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("AWS_S3_REGION_NAME") or None,
            "signature_version": os.environ.get("AWS_S3_SIGNATURE_VERSION", "s3v4"),
            "addressing_style": os.environ.get("AWS_S3_ADDRESSING_STYLE") or None,
            "default_acl": None,  # private: the bucket's own policy, never public-read
            "querystring_auth": True,
            "querystring_expire": MEDIA_SIGNED_URL_SECONDS,
            "file_overwrite": False,  # a second file under a taken name gets a new name, like local disk
            # A file read from the bucket (an export, a proxied stream) is downloaded into a temporary
            # file that stays in memory up to this size and spills to disk past it (django-storages'
            # default, 0, keeps every file whole in memory).
            "max_memory_size": 2 * 1024 * 1024,
        },
    }
else:
    raise RuntimeError(f"MEDIA_STORAGE must be local or s3, not {MEDIA_STORAGE!r}")
STORAGES = {
    "default": _MEDIA_BACKEND,
    "staticfiles": {
        "BACKEND": (
            "sunostudio.storage.StaticFilesStorage"  # whitenoise's CompressedManifestStaticFilesStorage
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# --- Background jobs (django-q2) --------------------------------------------------------------------
# timeout < retry, bounded attempts, no replay of missed schedules. Redis in production, the ORM otherwise.
REDIS_URL = os.environ.get("REDIS_URL", "")
Q_CLUSTER = {
    "name": "sunostudio",
    "workers": int(os.environ.get("Q_WORKERS", "2")),
    # Longer than the longest paid send (sunostudio.paid_calls.LONGEST_PAID_SEND, 160 s): a job killed
    # while waiting for the upstream's answer would leave a paid call unconfirmed.
    "timeout": 200,
    "retry": 260,
    "max_attempts": 3,
    "poll": 0.5,
    "catch_up": False,
    "ack_failures": True,
    "save_limit": 500,
    "label": "Background jobs",
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"

# One cache for every process once there is more than one (the model catalogue, the price table and the
# sign-up throttles are cached): Redis at CACHE_URL, else REDIS_URL; each process's memory otherwise.
CACHE_URL = os.environ.get("CACHE_URL", REDIS_URL)
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
if CACHE_URL:
    CACHES["default"] = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": CACHE_URL,
        # Parallel test processes share one Redis: each keeps to its own keys.
        "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "sunostudio")
        + os.environ.get("PYTEST_XDIST_WORKER", ""),
    }
# Rendered Library rows, under a hash of everything each shows (songs.views.rendered_rows): a changed row
# is a new key, so each process keeps its own and nothing has to be forgotten.
CACHES["fragments"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "fragments",
    "TIMEOUT": 3600,
    "OPTIONS": {"MAX_ENTRIES": 5000},  # about 2.5 KB a row: some 12 MB a process at most
}
# Only one cluster may run schedules: Q_SCHEDULER=false on every other one (Procfile.prod, docs/deploy.md).
Q_CLUSTER["scheduler"] = env_bool("Q_SCHEDULER", True)

# --- The upstream (ElkAPI Suno) ---------------------------------------------------------------------
SUNO_API_KEY = os.environ.get("SUNO_API_KEY", "")
SUNO_SIMULATOR_HOST = os.environ.get("SUNO_SIMULATOR_HOST", "127.0.0.1")
SUNO_SIMULATOR_PORT = int(os.environ.get("SUNO_SIMULATOR_PORT", "8765"))
SUNO_USE_SIMULATOR = not SUNO_API_KEY
SUNO_SIMULATOR_URL = f"http://{SUNO_SIMULATOR_HOST}:{SUNO_SIMULATOR_PORT}"
SUNO_API_BASE = os.environ.get(
    "SUNO_API_BASE", SUNO_SIMULATOR_URL if SUNO_USE_SIMULATOR else "https://api.elkapi.com"
)
# Media is archived only from the hosts the upstream serves it from (docs/upstream.md §7), plus the host
# of SUNO_API_BASE itself (songs/archive.py adds it when it checks, so a simulator on any port works).
SUNO_MEDIA_HOSTS = env_list("SUNO_MEDIA_HOSTS", "cdn1.suno.ai,cdn2.suno.ai")
if SUNO_USE_SIMULATOR:
    SUNO_MEDIA_HOSTS.append(f"{SUNO_SIMULATOR_HOST}:{SUNO_SIMULATOR_PORT}")
SUNO_MEDIA_REQUIRE_HTTPS = env_bool("SUNO_MEDIA_REQUIRE_HTTPS", not SUNO_USE_SIMULATOR)
SUNO_BATCH_CAP = int(os.environ.get("SUNO_BATCH_CAP", "20"))
SUNO_CLIP_TIMEOUT_MINUTES = int(os.environ.get("SUNO_CLIP_TIMEOUT_MINUTES", "15"))
# How long one poll job keeps ticking before it hands over to a fresh job (inside Q_CLUSTER timeout).
SUNO_POLL_LOOP_SECONDS = float(os.environ.get("SUNO_POLL_LOOP_SECONDS", "50"))
SUNO_DEFAULT_MODEL = os.environ.get("SUNO_DEFAULT_MODEL", "chirp-auk")
# Staff are warned (banner, admin index, one staff notice) when the key's paid credit drops below this.
SUNO_BALANCE_WARN_USD = float(os.environ.get("SUNO_BALANCE_WARN_USD", "5"))

# Credits (accounts/): prices are in the admin; these are the defaults each account may override there.
CREDITS_MONTHLY_ALLOWANCE = int(os.environ.get("CREDITS_MONTHLY_ALLOWANCE", "500"))
CREDITS_MAX_IN_FLIGHT = int(os.environ.get("CREDITS_MAX_IN_FLIGHT", "4"))
CREDITS_MAX_PER_HOUR = int(os.environ.get("CREDITS_MAX_PER_HOUR", "30"))
CREDITS_STAFF_UNLIMITED = os.environ.get("CREDITS_STAFF_UNLIMITED", "1") == "1"
# Who may sign up: open | invite (a code made in the admin) | approval (staff approve) | closed.
SIGNUP_POLICY = os.environ.get("SIGNUP_POLICY", "invite" if PRODUCTION else "open")
if SIGNUP_POLICY not in ("open", "invite", "approval", "closed"):
    raise RuntimeError(f"SIGNUP_POLICY must be open, invite, approval or closed, not {SIGNUP_POLICY!r}")
# How persona songs are sent: `seed` (/suno/generate, as the ElkAPI page shows; falls back to `task` when
# the gateway doesn't serve it) or `task` (/suno/submit/music with task=artist_consistency, whose takes
# have a relay task and so can be extended and split). docs/upstream.md §5.15, §11.
SUNO_PERSONA_ROUTE = os.environ.get("SUNO_PERSONA_ROUTE", "seed")
if SUNO_PERSONA_ROUTE not in ("seed", "task"):
    raise RuntimeError("SUNO_PERSONA_ROUTE must be 'seed' or 'task'")
# Public base URL of this app, for links the upstream must fetch (upload by URL).
PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:8000")
# Where the upstream can reach this studio to call it back when a task ends (notify_hook, songs/callbacks.py).
# Unset: no callbacks, polling alone (the default; a studio behind NAT can't be called).
SITE_URL = os.environ.get("SITE_URL", "").strip().rstrip("/")

# --- Email (staff notices, password resets; docs/operators.md) ------------------------------------------
# Django's SMTP settings, from EMAIL_URL (smtp://user:password@host:port, smtp+tls:// for STARTTLS, smtps://
# for SSL) or the separate EMAIL_* variables. Without either nothing is emailed: staff notices still show on
# the admin index and in the staff banner; in development password-reset emails print on the console, in
# production the reset page says to ask an admin.
_DUMMY_EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"


def email_is_configured(environ: Mapping[str, str]) -> bool:
    backend = environ.get("EMAIL_BACKEND", "").strip()
    has_server = bool(environ.get("EMAIL_HOST", "").strip() or environ.get("EMAIL_URL", "").strip())
    return has_server or (bool(backend) and backend != _DUMMY_EMAIL_BACKEND)


def parse_email_url(url: str) -> dict[str, object]:
    """EMAIL_URL as Django's EMAIL_* settings; user and password are %-decoded (they may hold @ or :)."""
    parts = urlsplit(url.strip())
    tls, ssl, port = {
        "smtp": (False, False, 25),
        "smtp+tls": (True, False, 587),
        "smtps": (False, True, 465),
    }.get(parts.scheme, (None, None, None))
    if tls is None or not parts.hostname:
        raise RuntimeError(
            "EMAIL_URL must look like smtp://user:password@host:port (or smtp+tls://, smtps://)"
        )
    return {
        "EMAIL_HOST": parts.hostname,
        "EMAIL_PORT": parts.port or port,
        "EMAIL_HOST_USER": unquote(parts.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
        "EMAIL_USE_TLS": tls,
        "EMAIL_USE_SSL": ssl,
    }


if os.environ.get("EMAIL_BACKEND"):
    EMAIL_BACKEND = os.environ["EMAIL_BACKEND"]
elif not PRODUCTION and not email_is_configured(os.environ):
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"  # reset links on the runserver console
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
if os.environ.get("EMAIL_URL"):  # wins over the separate variables (Django's SMTP backend is the default)
    globals().update(parse_email_url(os.environ["EMAIL_URL"]))
EMAIL_TIMEOUT = float(os.environ.get("EMAIL_TIMEOUT", "10"))  # a stuck mail server must not hold a worker
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "webmaster@localhost")
SERVER_EMAIL = os.environ.get("SERVER_EMAIL", DEFAULT_FROM_EMAIL)
STAFF_NOTICE_EMAIL = env_bool("STAFF_NOTICE_EMAIL", email_is_configured(os.environ))
# Password reset by email (accounts.views.PasswordResetView): on wherever a reset email can actually arrive.
PASSWORD_RESET_BY_EMAIL = email_is_configured(os.environ) or not PRODUCTION
PASSWORD_RESET_TIMEOUT = 60 * 60 * 3  # a reset link works for 3 hours (Django's default is 3 days)
# Email verification at sign-up (accounts/verification.py): a new account confirms its address through an
# emailed link before it can spend credits. On by default where anyone may sign up on a production site
# that can send email (`check --deploy` warns about open sign-up without it); SIGNUP_VERIFY_EMAIL decides.
SIGNUP_VERIFY_EMAIL = env_bool(
    "SIGNUP_VERIFY_EMAIL", PRODUCTION and SIGNUP_POLICY == "open" and email_is_configured(os.environ)
)
EMAIL_CAN_BE_SENT = email_is_configured(os.environ) or not PRODUCTION  # development prints on the console
EMAIL_CONFIRMATION_DAYS = int(os.environ.get("EMAIL_CONFIRMATION_DAYS", "3"))  # how long a link works

# --- Webhooks (notifications/webhooks.py) -------------------------------------------------------------
# Creators' webhooks go only to public HTTPS addresses. The tests' receiver listens on loopback, so they list
# it here; nothing else should (docs/operators.md).
WEBHOOK_REQUIRE_HTTPS = env_bool("WEBHOOK_REQUIRE_HTTPS", True)
WEBHOOK_ALLOWED_PRIVATE_ADDRESSES = [
    a.strip() for a in os.environ.get("WEBHOOK_ALLOWED_PRIVATE_ADDRESSES", "").split(",") if a.strip()
]
WEBHOOK_TIMEOUT_SECONDS = float(os.environ.get("WEBHOOK_TIMEOUT_SECONDS", "10"))

# --- Security: headers, CSP, login throttling, request size limits (tests/sunostudio/test_security.py) ---
# Headers on every response (SecurityMiddleware, XFrameOptionsMiddleware, django-csp). These are Django's
# defaults too; written out so a change shows up in review.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"


def storage_media_origins(storage: Mapping[str, object], *, proxied: bool) -> list[str]:
    """Where browsers fetch media from when it lives in S3: presigned URLs on the bucket's host (virtual or
    path style). Nothing when the files stream through Django (local disk, MEDIA_S3_PROXY)."""
    options = storage.get("OPTIONS") or {}
    if "S3Storage" not in str(storage.get("BACKEND")) or proxied:
        return []
    bucket, endpoint, region = options["bucket_name"], options.get("endpoint_url"), options.get("region_name")
    if endpoint:
        parts = urlsplit(endpoint)
        return [f"{parts.scheme}://{parts.netloc}", f"{parts.scheme}://{bucket}.{parts.netloc}"]
    origins = [f"https://{bucket}.s3.amazonaws.com"]
    if region:
        origins += [f"https://{bucket}.s3.{region}.amazonaws.com", f"https://s3.{region}.amazonaws.com"]
    return origins


# Players and covers load from us, from the upstream's CDN and live-stream hosts while a take isn't archived
# yet (songs.models.Clip.playable_url; the simulator's own host in development), and from the bucket.
CSP_MEDIA_SOURCES = [
    "'self'",
    *SUNO_MEDIA_HOSTS,
    *env_list("SUNO_STREAM_HOSTS", "audiopipe.suno.ai"),
    "{0.scheme}://{0.netloc}".format(urlsplit(SUNO_API_BASE)),
    *storage_media_origins(STORAGES["default"], proxied=MEDIA_S3_PROXY),
]


def inline_style_hashes(template: Path) -> list[str]:
    """CSP hashes of a template's literal <style> blocks: templates/500.html keeps its style inline so it
    renders even when static files or the database are what broke."""
    blocks = re.findall(r"<style>(.*?)</style>", template.read_text(), flags=re.S)
    return [f"'sha256-{base64.b64encode(hashlib.sha256(b.encode()).digest()).decode()}'" for b in blocks]


# No 'unsafe-inline': every script and style is a file under static/, except the hashed style of the 500 page
# (htmx's own indicator style is switched off in base.html's htmx-config meta tag) and one style nonce, for
# the <style> wavesurfer.js puts in the clip page waveform's shadow root (its cspNonce option; base.html's
# csp-style-nonce meta, read from the head a boosted navigation never swaps). Scripts have no nonce.
# data: images are Pico's SVG icons.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", NONCE, *inline_style_hashes(BASE_DIR / "templates" / "500.html")],
        "img-src": [*CSP_MEDIA_SOURCES, "data:"],
        "media-src": CSP_MEDIA_SOURCES,
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        # Not while media comes over plain HTTP (an S3-compatible store inside the network): it would break.
        "upgrade-insecure-requests": PRODUCTION and not any(s.startswith("http:") for s in CSP_MEDIA_SOURCES),
    },
}

# Login throttling (django-axes): 5 failed log-ins within 15 minutes lock that username, and separately that
# address, for 15 minutes from the last attempt. The login page says so (sunostudio.security.lockout_response)
# and staff unlock in Admin → Axes → Access attempts (delete the row) or with `manage.py axes_reset`.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out login before the password is checked
    "accounts.backends.AccountModelBackend",  # Django's ModelBackend, reading the account with the user
]
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("LOGIN_LOCKOUT_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "sunostudio.security.lockout_response"
AXES_CLIENT_IP_CALLABLE = "sunostudio.security.client_ip"
# The address a request came from: REMOTE_ADDR, or behind this many proxies (nginx in docs/deploy.md) the
# one the outermost proxy saw, from the right of X-Forwarded-For. Set it to the real count: 0 with no proxy
# (a client could otherwise pick its own address), or every creator shares the proxy's address.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "1" if PRODUCTION else "0"))
# Sign-up and password-reset forms: this many POSTs per address per hour (a cache counter).
SIGNUP_ATTEMPTS_PER_HOUR = int(os.environ.get("SIGNUP_ATTEMPTS_PER_HOUR", "10"))
PASSWORD_RESET_ATTEMPTS_PER_HOUR = int(os.environ.get("PASSWORD_RESET_ATTEMPTS_PER_HOUR", "5"))
CONFIRMATION_EMAILS_PER_HOUR = int(os.environ.get("CONFIRMATION_EMAILS_PER_HOUR", "5"))  # "send it again"

# Request bodies (sunostudio.middleware.RequestBodyLimitMiddleware answers before reading the body). An upload
# is at most UPLOAD_MAX_BYTES; other forms DATA_UPLOAD_MAX_MEMORY_SIZE (Django's 2.5 MB). The proxy in front
# must let at least UPLOAD_MAX_BYTES + 1 MB through, or its own bare 413 page answers first.
UPLOAD_MAX_BYTES = 20 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# --- Logging, error tracking (sunostudio/logs.py, docs/deploy.md) ------------------------------------------
# One console handler on the root logger; LOG_FORMAT=json makes every line one JSON object with the request
# id, plus one line per request (sunostudio.requests) and per job (sunostudio.jobs).
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text")
if LOG_FORMAT not in ("text", "json"):
    raise RuntimeError(f"LOG_FORMAT must be text or json, not {LOG_FORMAT!r}")
LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "text": {"format": "%(levelname)s %(name)s: %(message)s"},
        "json": {"()": "sunostudio.logs.JsonFormatter"},
    },
    "filters": {"health_probes": {"()": "sunostudio.logs.HealthProbeFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        **{
            app: {"level": LOG_LEVEL} for app in ("sunostudio", "accounts", "moderation", "songs", "personas")
        },
        # Request lines only in JSON: as text, runserver and gunicorn's access log already print one.
        "sunostudio.requests": {"level": "INFO" if LOG_FORMAT == "json" else "WARNING"},
        "django": {"level": "INFO"},
        "django.server": {"filters": ["health_probes"], "propagate": True},
        # django-q2 logs "processing", "Processed"... at INFO for every job; WARNING still shows failures.
        "django-q": {"level": os.environ.get("Q_LOG_LEVEL", "WARNING")},
        # httpx logs request URLs at INFO; keep it quiet (URLs never hold the key, but less is more).
        "httpx": {"level": "WARNING"},
    },
}
# Error tracking is optional: nothing is sent anywhere unless SENTRY_DSN is set. No user data (PII).
SENTRY_DSN = os.environ.get("SENTRY_DSN", "")
if SENTRY_DSN:
    import sentry_sdk
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        integrations=[DjangoIntegration()],
        send_default_pii=False,
        environment=os.environ.get("SENTRY_ENVIRONMENT", "production" if PRODUCTION else "development"),
        traces_sample_rate=float(os.environ.get("SENTRY_TRACES_SAMPLE_RATE", "0")),
    )
# Our own 403 page for a form whose CSRF token didn't arrive (templates/403.html).
CSRF_FAILURE_VIEW = "sunostudio.views.csrf_failure"
# Probes answer over plain HTTP too: a load balancer asks the app directly, not through the TLS proxy.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]

if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# --- Moderation -----------------------------------------------------------------------------------------
# What a listener may report, by the kind in the report URL. Moderation fetches each with apps.get_model
# and asks its manager for `reportable()`, so it never imports the apps that own the content.
MODERATION_REPORTABLE_MODELS = {"song": "songs.Song", "clip": "songs.Clip", "persona": "personas.Persona"}

# --- Template hooks: a lower app shows a higher one's pieces without importing it ------------------------
# At each named place, songs' templates render these templates with their own context ({% template_hook %},
# songs/templatetags/template_hooks.py). playlists puts "Add to playlist" in a Library row's menu (context:
# song, clips, next) and on the song page (song) and the clip page (clip, song).
SONGS_TEMPLATE_HOOKS = {
    "song_menu": ["playlists/hooks/song_menu_item.html"],
    "song_actions": ["playlists/hooks/song_action.html"],
    "clip_actions": ["playlists/hooks/clip_action.html"],
}
