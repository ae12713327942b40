"""Each EVSE's ad hoc payment settings as links on its station's staff page and in the admin's EVSE editor
(chargepoints.portal)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from chargepoints.dashboard import Viewer
from chargepoints.models import EVSE, Location
from chargepoints.portal import PageLink, register_evse_links, register_station_links


@register_evse_links
def evse_ad_hoc_links(evse: EVSE) -> list[PageLink]:
    if not evse.evse_id:
        return []
    label = _("Ad hoc payment · %(evse)s") % {"evse": evse.evse_id}
    return [PageLink(label, reverse("payments:evse_ad_hoc", args=[evse.evse_id]))]


@register_station_links
def station_ad_hoc_links(user: Viewer, location: Location) -> list[PageLink]:
    if not user.has_perm("chargepoints.change_evse"):
        return []
    return [link for evse in location.evses.all() for link in evse_ad_hoc_links(evse)]
