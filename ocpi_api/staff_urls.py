from django.urls import path

from . import staff_views
from .token_views import TokenLookupView

app_name = "partners"

urlpatterns = [
    path("", staff_views.PartnerListView.as_view(), name="list"),
    path("register/", staff_views.PartnerRegisterView.as_view(), name="register"),
    path("token-a/", staff_views.TokenAView.as_view(), name="token_a"),
    path("tokens/", TokenLookupView.as_view(), name="tokens"),
    path("<int:pk>/", staff_views.PartnerDetailView.as_view(), name="detail"),
    path("<int:pk>/grants/", staff_views.PartyGrantView.as_view(), name="grant"),
    path("<int:pk>/grants/<int:grant_pk>/revoke/", staff_views.GrantRevokeView.as_view(), name="grant_revoke"),
    path("<int:pk>/token-a/", staff_views.TokenAView.as_view(), name="partner_token_a"),
    path("<int:pk>/<slug:action>/", staff_views.PartnerActionView.as_view(), name="action"),
]
