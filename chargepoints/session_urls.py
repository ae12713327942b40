from django.urls import path

from . import session_views

app_name = "sessions"

urlpatterns = [
    path("", session_views.SessionListView.as_view(), name="list"),
    path("<int:pk>/", session_views.SessionDetailView.as_view(), name="detail"),
    path("<int:pk>/power.csv", session_views.SessionPowerCsvView.as_view(), name="power_csv"),
    path("<int:pk>/remote-stop/", session_views.SessionRemoteStopView.as_view(), name="remote_stop"),
]
