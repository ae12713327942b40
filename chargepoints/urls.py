from django.urls import path

from . import data_quality, map_views, views

app_name = "stations"

urlpatterns = [
    path("dashboard/", views.DashboardView.as_view(), name="dashboard"),
    path("dashboard/charts/<slug:key>.csv", views.DashboardChartCsvView.as_view(), name="dashboard_chart_csv"),
    path("stations/", views.StationListView.as_view(), name="list"),
    path("stations/map/", map_views.StaffMapView.as_view(), name="map"),
    path("stations/map.json", map_views.StaffMapJsonView.as_view(), name="map_json"),
    path("stations/<int:pk>/", views.StationDetailView.as_view(), name="detail"),
    path("stations/<int:pk>/availability.csv", views.StationAvailabilityCsvView.as_view(), name="availability_csv"),
    path("stations/<int:pk>/evses/<int:evse_pk>/status/", views.EvseStatusView.as_view(), name="evse_status"),
    path("stations/data-quality/", data_quality.DataQualityView.as_view(), name="data_quality"),
    path("stations/repairs/<int:pk>/resolve/", data_quality.RepairResolveView.as_view(), name="repair_resolve"),
    path("stations/<int:pk>/simulate/", views.SimulateChargingView.as_view(), name="simulate"),
]
