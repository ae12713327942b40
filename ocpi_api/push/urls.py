from django.urls import path

from . import views

app_name = "ocpi_push"

# Included under /partners/<pk>/deliveries/.
urlpatterns = [
    path("", views.DeliveriesView.as_view(), name="deliveries"),
    path("object/", views.ObjectHistoryView.as_view(), name="object"),
    path("retry-all/", views.RetryAllView.as_view(), name="retry_all"),
    path("resend/", views.ResendCatalogueView.as_view(), name="resend"),
    path("resend/<int:job>/", views.ResendProgressView.as_view(), name="resend_progress"),
    path("<int:item>/retry/", views.RetryView.as_view(), name="retry"),
]
