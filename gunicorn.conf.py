"""gunicorn settings for `make serve`, Procfile.prod and docker-compose.yml (docs/deploy.md).

Threads rather than more processes: a request here is short (no request calls the upstream), but media
answers and slow phones hold a connection, and a thread waiting on a socket costs far less than a process.
Behind nginx or Caddy, which buffer slow clients and can serve media themselves, 2 x 4 goes a long way.
"""

import os

bind = (
    os.environ.get("GUNICORN_BIND") or f"{os.environ.get('HOST', '0.0.0.0')}:{os.environ.get('PORT', '8000')}"
)
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))  # below the proxy's read timeout (60 s in the docs)
graceful_timeout = 30  # a deploy lets requests in flight finish
keepalive = 5  # longer than 2 s: the proxy reuses its connections to us
max_requests = 2000  # recycle workers now and then, jittered so they don't all restart together
max_requests_jitter = 200
# Trust X-Forwarded-Proto (settings.SECURE_PROXY_SSL_HEADER) only from the proxy: set it to its address.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # heartbeat files off a slow disk
# gunicorn 27 opens a control socket in $HOME by default; two servers on one machine would share it.
control_socket_disable = True

errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# As JSON, the app logs one line per request itself (with the request id); as text, gunicorn does.
accesslog = None if os.environ.get("LOG_FORMAT", "text") == "json" else "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms %({x-request-id}o)s'

if os.environ.get("LOG_FORMAT", "text") == "json":
    # gunicorn's own lines (start, worker boot and timeout) as JSON too, like the app's.
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "sunostudio.logs.JsonFormatter"}},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
        "loggers": {
            "gunicorn.error": {"handlers": ["console"], "level": loglevel.upper(), "propagate": False}
        },
    }
