from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from chargepoints.views import AttributionView, LanguageView

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="stations:dashboard", permanent=False)),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("language/", LanguageView.as_view(), name="language"),
    path("about/data/", AttributionView.as_view(), name="attribution"),
    path("map/", include("chargepoints.map_views")),
    path("", include("chargepoints.urls")),
    path("ocpi/search/", include("ocpi_api.modules.search.urls")),
    path("ocpi/", include("ocpi_api.urls")),
    path("partners/<int:pk>/deliveries/", include("ocpi_api.push.urls")),
    path("partners/", include("ocpi_api.staff_urls")),
    path("sessions/", include("chargepoints.session_urls")),
    path("tariffs/", include("tariffs.urls")),
    path("chargers/", include("ocpp_gateway.urls")),
    path("", include("payments.urls")),
    path("finance/", include("billing.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
]

handler500 = "config.views.server_error"
