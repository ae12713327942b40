"""Staff pages for tariffs: the list, and a tariff with its price preview. Editing happens in the tariff editor
(the admin); both groups may read, "CPO operations" may edit (see chargepoints.roles)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from django.views.generic import TemplateView

from . import pricing, selectors, services
from .forms import PricePreviewForm
from .models import PriceComponent, Tariff


class TariffPermissionMixin(LoginRequiredMixin, PermissionRequiredMixin):
    permission_required = "tariffs.view_tariff"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context: dict[str, Any] = super().get_context_data(**kwargs)  # type: ignore[misc]
        context["can_edit"] = self.request.user.has_perm("tariffs.change_tariff")  # type: ignore[attr-defined]
        return context


class TariffListView(TariffPermissionMixin, TemplateView):
    template_name = "tariffs/tariff_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "tariffs": selectors.tariff_list()}


class TariffDetailView(TariffPermissionMixin, TemplateView):
    template_name = "tariffs/tariff_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        tariff = selectors.tariff_list().filter(pk=self.kwargs["pk"]).first()
        if tariff is None:
            raise Http404(_("No such tariff."))
        form = PricePreviewForm(self.request.GET if "start" in self.request.GET else None)
        preview: pricing.PricedSession | None = None
        not_applied = ""
        if form.is_bound and form.is_valid():
            try:
                preview = services.tariff_price_preview(
                    tariff=tariff,
                    start=form.cleaned_data["start"],
                    charging=form.charging,
                    energy_kwh=form.cleaned_data["energy_kwh"],
                    parking=form.parking,
                    max_power_kw=form.cleaned_data["max_power_kw"],
                    max_current_a=form.cleaned_data["max_current_a"],
                    time_zone=form.cleaned_data["time_zone"],
                )
            except pricing.TariffNotApplicable as error:
                not_applied = str(error)
        return {
            **super().get_context_data(**kwargs),
            "tariff": tariff,
            "elements": _elements(tariff),
            "form": form,
            "preview": preview,
            "not_applied": not_applied,
        }


def _elements(tariff: Tariff) -> list[dict[str, Any]]:
    """Each element with its restrictions in words, numbered from 1 as the preview's lines number them."""
    rows = []
    for number, element in enumerate(tariff.elements.all(), start=1):
        rows.append(
            {
                "number": number,
                "components": [_component_text(c) for c in element.price_components.all()],
                "restrictions": restrictions_in_words(element.restrictions()),
            }
        )
    return rows


def _component_text(component: PriceComponent) -> str:
    unit = {"ENERGY": "/kWh", "TIME": "/h", "PARKING_TIME": "/h"}.get(component.type, "")
    text = f"{component.type} {pricing.format_amount(component.price)}{unit}"
    if component.vat is not None:
        text += " + " + _("%(rate)s %% VAT") % {"rate": f"{component.vat.normalize():f}"}
    if component.step_size > 1:
        text += ", " + _("step %(size)s") % {"size": component.step_size}
    return text


def restrictions_in_words(restrictions: dict[str, Any]) -> list[str]:
    """An element's restrictions as staff read them, with OCPI's bounds: minimums inclusive, maximums exclusive."""
    words = []
    start, end = restrictions.get("start_time"), restrictions.get("end_time")
    if start or end:
        words.append(f"{start.strftime('%H:%M') if start else '00:00'}–{end.strftime('%H:%M') if end else '24:00'}")
    if days := restrictions.get("day_of_week"):
        words.append(_weekdays(days))
    if "start_date" in restrictions:
        words.append(_("from %(date)s") % {"date": f"{restrictions['start_date']:%Y-%m-%d}"})
    if "end_date" in restrictions:
        words.append(_("before %(date)s") % {"date": f"{restrictions['end_date']:%Y-%m-%d}"})
    for field, unit in (("kwh", "kWh"), ("current", "A"), ("power", "kW")):
        if f"min_{field}" in restrictions:
            words.append(_("from %(amount)s") % {"amount": f"{_number(restrictions[f'min_{field}'])} {unit}"})
        if f"max_{field}" in restrictions:
            words.append(_("below %(amount)s") % {"amount": f"{_number(restrictions[f'max_{field}'])} {unit}"})
    if "min_duration" in restrictions:
        words.append(_("after %(duration)s") % {"duration": _duration(restrictions["min_duration"])})
    if "max_duration" in restrictions:
        words.append(_("during the first %(duration)s") % {"duration": _duration(restrictions["max_duration"])})
    if reservation := restrictions.get("reservation"):
        words.append(_("while reserved") if reservation == "RESERVATION" else _("when the reservation expires"))
    return words


_WEEK = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")
_WEEKDAY_NAMES = (
    pgettext_lazy("weekday", "Mon"),
    pgettext_lazy("weekday", "Tue"),
    pgettext_lazy("weekday", "Wed"),
    pgettext_lazy("weekday", "Thu"),
    pgettext_lazy("weekday", "Fri"),
    pgettext_lazy("weekday", "Sat"),
    pgettext_lazy("weekday", "Sun"),
)


def _weekdays(days: list[str]) -> str:
    """Runs of three or more days as a range: "Mon–Fri, Sun"."""
    numbers = sorted(_WEEK.index(day) for day in days)
    runs: list[list[int]] = []
    for number in numbers:
        if runs and number == runs[-1][-1] + 1:
            runs[-1].append(number)
        else:
            runs.append([number])
    names = [str(_WEEKDAY_NAMES[n]) for n in range(7)]
    return ", ".join(
        f"{names[run[0]]}–{names[run[-1]]}" if len(run) >= 3 else ", ".join(names[n] for n in run) for run in runs
    )


def _number(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _duration(seconds: int) -> str:
    """Whole minutes read best on a tariff; odd seconds are kept rather than rounded away."""
    minutes, rest = divmod(seconds, 60)
    if rest:
        return f"{minutes} min {rest} s" if minutes else f"{rest} s"
    hours, minutes = divmod(minutes, 60)
    if hours and minutes:
        return f"{hours} h {minutes} min"
    return f"{hours} h" if hours else f"{minutes} min"
