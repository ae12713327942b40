from django.urls import path

from . import views

app_name = "chargers"

urlpatterns = [
    path("", views.ChargerListView.as_view(), name="list"),
    path("add/", views.ChargerAddView.as_view(), name="add"),
    path("<int:pk>/", views.ChargerDetailView.as_view(), name="detail"),
    path("<int:pk>/command/<str:action>/", views.ChargerCommandView.as_view(), name="command"),
]
