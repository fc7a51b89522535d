from django.urls import path

from . import consumers

websocket_urlpatterns = [
    path("ws/live/<id:pk>/play/", consumers.PlayConsumer.as_asgi(), name="ws-play"),
    path("ws/live/<id:pk>/screen/", consumers.ScreenConsumer.as_asgi(), name="ws-screen"),
]
