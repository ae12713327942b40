from django.urls import re_path

from .consumers import ChargerConsumer

websocket_urlpatterns = [
    re_path(r"^ocpp/(?P<charge_point_id>[^/]+)/?$", ChargerConsumer.as_asgi()),
]
