import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
application = get_wsgi_application()

from portal.gc_pacing import pace_garbage_collection  # noqa: E402  (needs the settings above)

pace_garbage_collection()
