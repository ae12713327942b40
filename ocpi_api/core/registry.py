"""What we implement, per OCPI version: the source of both our URL patterns and our version details.

A module is declared once per version with its ModuleID, interface role, path and views. Adding a module or a version
is a declaration in ``ocpi_api/versions.py``; handlers are shared between versions, and version differences are
converted at the edge (serializers chosen by ``ocpi_version``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .status import InterfaceRole, ModuleID

if TYPE_CHECKING:
    from .views import OcpiView


@dataclass(frozen=True)
class Route:
    suffix: str  # regex after the module path, "" for the module URL itself
    view: type[OcpiView]


@dataclass(frozen=True)
class OcpiModule:
    identifier: ModuleID
    role: InterfaceRole
    path: str  # below /ocpi/, without slashes at either end
    routes: tuple[Route, ...]

    def url_name(self, version: str) -> str:
        return f"v{version}-{self.identifier}-{self.role.lower()}"


@dataclass(frozen=True)
class OcpiVersion:
    number: str
    modules: tuple[OcpiModule, ...]

    @property
    def details_url_name(self) -> str:
        return f"v{self.number}-details"

    def module(self, identifier: str, role: InterfaceRole | None = None) -> OcpiModule | None:
        for module in self.modules:
            if module.identifier == identifier and (role is None or module.role == role):
                return module
        return None
