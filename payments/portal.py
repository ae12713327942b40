"""Each EVSE's ad hoc payment settings as links on its station's staff page (chargepoints.portal)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from chargepoints.dashboard import Viewer
from chargepoints.models import Location
from chargepoints.portal import PageLink, register_station_links


@register_station_links
def station_ad_hoc_links(user: Viewer, location: Location) -> list[PageLink]:
    if not user.has_perm("chargepoints.change_evse"):
        return []
    return [
        PageLink(
            _("Ad hoc payment · %(evse)s") % {"evse": evse.evse_id},
            reverse("payments:evse_ad_hoc", args=[evse.evse_id]),
        )
        for evse in location.evses.all()
        if evse.evse_id
    ]
