"""Staff page: look up a driver's token and see why it was accepted or refused (operations staff)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.views.generic import TemplateView

from .selectors import authorization_records, token_conflicts, token_lookup


class TokenLookupView(LoginRequiredMixin, PermissionRequiredMixin, TemplateView):
    permission_required = "ocpi_api.view_emsptoken"
    template_name = "ocpi_api/tokens.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        uid = self.request.GET.get("uid", "").strip()[:36]
        context["uid"] = uid
        context["conflicts"] = token_conflicts()
        if uid:
            context["tokens"] = token_lookup(uid=uid)
            context["records"] = authorization_records(uid=uid)
        else:
            context["records"] = authorization_records()
        return context
