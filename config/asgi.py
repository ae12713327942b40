"""ASGI: the portal over HTTP and the OCPP 1.6J chargers over websockets, in one application.

``runserver`` (daphne) serves both in development. In production the web tier stays on gunicorn (WSGI) and one or
more gateway processes serve ``/ocpp/`` with this application (see the README).
"""

import gc
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
django_application = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402  (needs the apps loaded)

from ocpp_gateway.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter({"http": django_application, "websocket": URLRouter(websocket_urlpatterns)})

# What was loaded to get here (Django, the apps, the libraries) lives as long as the process: out of the garbage
# collector's view, its full passes stay short while a gateway holds a thousand chargers' connections.
gc.freeze()
# Young collections every 20,000 allocations instead of 700: a message's objects (and those of the messages in flight
# with it) are gone by then, instead of surviving two young passes into the old generation, whose full passes over
# a thousand connections' objects stopped the gateway for 0.5 s every ~12 s at 200 messages/s (bench on a busy
# machine). A young pass over 20,000 objects takes a millisecond or two.
gc.set_threshold(20_000, 10, 10)
