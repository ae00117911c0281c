"""WSGI entry point used by `paperboy serve` (gunicorn) and other WSGI servers.

gunicorn loads this module in each worker before the worker accepts connections, so the
warm-up below (search/warmup.py, unless PAPERBOY_WARM_UP=0) finishes before the worker's
first request: a load balancer's first `/healthz` answer means searches are warm too."""

import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paperboy.settings")
application = get_wsgi_application()

if settings.PAPERBOY_WARM_UP:
    from search.warmup import warm_up

    warm_up()
