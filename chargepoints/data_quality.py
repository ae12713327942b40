"""The data-quality page: values the importer repaired or derived, for staff to confirm or fix (issue 16).

Thin views over ``LocationRepair`` rows; the one write is ``location_repair_resolve``. A page costs a fixed number
of queries whatever its length (the locations come with a join).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.db import transaction
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views import View
from django.views.generic import TemplateView

from .models import LocationRepair
from .paging import cursor_args, staff_page

PAGE_SIZE = 50


def repair_list(
    *, rule: str = "", status: str = LocationRepair.Status.OPEN, derived_only: bool = False
) -> QuerySet[LocationRepair]:
    repairs = LocationRepair.objects.select_related("location").order_by("-imported_at", "location_id", "id")
    if rule:
        repairs = repairs.filter(rule=rule)
    if status:
        repairs = repairs.filter(status=status)
    if derived_only:
        repairs = repairs.filter(derived=True)
    return repairs


def repair_counts_by_rule(*, status: str) -> list[tuple[str, int]]:
    rows = LocationRepair.objects.filter(**({"status": status} if status else {}))
    return list(rows.values_list("rule").annotate(count=Count("id")).order_by("rule"))


@transaction.atomic
def location_repair_resolve(*, repair: LocationRepair, status: str, user: str) -> None:
    """Staff confirm a repaired value as right, or say they fixed it (on the station's edit form)."""
    if status not in (LocationRepair.Status.CONFIRMED, LocationRepair.Status.FIXED):
        raise ValueError(f"'{status}' is not a resolution")
    repair.status, repair.resolved_by, repair.resolved_at = status, user, timezone.now()
    repair.save(update_fields=["status", "resolved_by", "resolved_at"])


class DataQualityView(LoginRequiredMixin, PermissionRequiredMixin, TemplateView):
    permission_required = "chargepoints.view_location"
    template_name = "chargepoints/data_quality.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        params = self.request.GET
        status = params.get("status", LocationRepair.Status.OPEN)
        status = status if status in LocationRepair.Status.values or status == "" else LocationRepair.Status.OPEN
        rule, derived_only = params.get("rule", ""), params.get("derived") == "1"
        page = staff_page(
            repair_list(rule=rule, status=status, derived_only=derived_only),
            per_page=PAGE_SIZE,
            page=params.get("page"),
            **cursor_args(params),
        )
        query = urlencode({"rule": rule, "status": status, **({"derived": "1"} if derived_only else {})})
        return {
            **super().get_context_data(**kwargs),
            "page": page,
            "rules": repair_counts_by_rule(status=status),
            "rule": rule,
            "status": status,
            "statuses": LocationRepair.Status.choices,
            "derived_only": derived_only,
            "query": query,
            "can_edit": self.request.user.has_perm("chargepoints.change_location"),
        }


class RepairResolveView(LoginRequiredMixin, PermissionRequiredMixin, View):
    permission_required = "chargepoints.change_location"

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        repair = get_object_or_404(LocationRepair, pk=pk)
        try:
            location_repair_resolve(
                repair=repair, status=request.POST.get("status", ""), user=request.user.get_username()
            )
        except ValueError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, f"{repair.field} of {repair.location}: {repair.get_status_display().lower()}.")
        back = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
            back = reverse("stations:data_quality")
        return HttpResponseRedirect(back)
