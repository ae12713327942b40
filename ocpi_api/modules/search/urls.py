"""Station search for partners, under /ocpi/ so that it shares the OCPI envelope for every error."""

from django.urls import re_path

from .views import StationSearchView

app_name = "station_search"

urlpatterns = [re_path(r"^stations/?$", StationSearchView.as_view(), name="stations")]
