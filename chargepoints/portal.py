"""What each app contributes to the staff portal: its navigation sections and its staff role grants.

Every app declares its own on its AppConfig (``portal_sections``, ``staff_role_grants``); the portal reads them from
the installed apps, so this domain app never names the apps above it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.apps import apps
from django_stubs_ext import StrOrPromise

if TYPE_CHECKING:  # apps.py imports this module before the models are loaded
    from .dashboard import Viewer
    from .models import EVSE, ChargingSession, Location


@dataclass(frozen=True)
class PortalSection:
    order: int  # position in the navigation bar, across apps
    label: StrOrPromise  # translated when shown
    url_name: str
    permission: str  # shown only to users holding it


# Role name -> app label (or "app_label.model") -> the permission actions granted there.
RoleGrants = dict[str, dict[str, tuple[str, ...]]]


def portal_sections() -> list[PortalSection]:
    sections = [s for config in apps.get_app_configs() for s in getattr(config, "portal_sections", ())]
    return sorted(sections, key=lambda section: section.order)


def staff_role_grants() -> RoleGrants:
    merged: RoleGrants = {}
    for config in apps.get_app_configs():
        for role, grants in getattr(config, "staff_role_grants", {}).items():
            merged.setdefault(role, {}).update(grants)
    return merged


@dataclass(frozen=True)
class PageLink:
    label: str
    url: str


# Links other apps add to a session's page (billing: its CDRs), registered from a ``portal`` module of their own
# (found with ``autodiscover_modules("portal")``), so the session page does not name those apps.
SessionLinkSource = Callable[["Viewer", "ChargingSession"], list[PageLink]]
SESSION_LINK_SOURCES: list[SessionLinkSource] = []


def register_session_links(source: SessionLinkSource) -> SessionLinkSource:
    SESSION_LINK_SOURCES.append(source)
    return source


def session_links(user: Viewer, session: ChargingSession) -> list[PageLink]:
    return [link for source in SESSION_LINK_SOURCES for link in source(user, session)]


# Links other apps add to a station's page (payments: each EVSE's ad hoc payment settings), the same way.
StationLinkSource = Callable[["Viewer", "Location"], list[PageLink]]
STATION_LINK_SOURCES: list[StationLinkSource] = []


def register_station_links(source: StationLinkSource) -> StationLinkSource:
    STATION_LINK_SOURCES.append(source)
    return source


def station_links(user: Viewer, location: Location) -> list[PageLink]:
    return [link for source in STATION_LINK_SOURCES for link in source(user, location)]


# The pages other apps keep for an EVSE's settings they own (payments: its ad hoc payment), linked from the admin's
# EVSE editor where those settings are shown but not edited. No user: the pages check their own permissions.
EvseLinkSource = Callable[["EVSE"], list[PageLink]]
EVSE_LINK_SOURCES: list[EvseLinkSource] = []


def register_evse_links(source: EvseLinkSource) -> EvseLinkSource:
    EVSE_LINK_SOURCES.append(source)
    return source


def evse_links(evse: EVSE) -> list[PageLink]:
    return [link for source in EVSE_LINK_SOURCES for link in source(evse)]
