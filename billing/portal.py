"""A session's CDRs as links on its staff page (chargepoints.portal)."""

from __future__ import annotations

from django.urls import reverse

from chargepoints.dashboard import Viewer
from chargepoints.models import ChargingSession
from chargepoints.portal import PageLink, register_session_links

from .models import Cdr


@register_session_links
def session_cdr_links(user: Viewer, session: ChargingSession) -> list[PageLink]:
    if not user.has_perm("billing.view_cdr"):
        return []
    links = []
    for cdr in Cdr.objects.filter(session=session):  # the model order, newest first
        kind = "Credit CDR" if cdr.credit else "Reissued CDR" if cdr.replaces_id else "CDR"
        links.append(PageLink(f"{kind} · {cdr.get_status_display()}", reverse("billing:cdr_detail", args=[cdr.pk])))
    return links
