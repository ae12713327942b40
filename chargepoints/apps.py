from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_migrate, pre_delete
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _

from .portal import PortalSection
from .roles import FINANCE, OPERATIONS


class ChargepointsConfig(AppConfig):
    name = "chargepoints"
    verbose_name = _("Charging stations")
    # Also the tariffs app's, which sits below this one and knows nothing of the portal.
    portal_sections = (
        PortalSection(10, _("Dashboard"), "stations:dashboard", "chargepoints.view_location"),
        PortalSection(20, _("Stations"), "stations:list", "chargepoints.view_location"),
        PortalSection(25, _("Map"), "stations:map", "chargepoints.view_location"),
        PortalSection(30, _("Tariffs"), "tariffs:list", "tariffs.view_tariff"),
        PortalSection(60, _("Sessions"), "sessions:list", "chargepoints.view_chargingsession"),
    )
    staff_role_grants = {
        OPERATIONS: {
            "chargepoints": ("view", "add", "change"),
            "tariffs": ("view", "add", "change", "delete"),
            "django_celery_beat": ("view", "add", "change", "delete"),
        },
        FINANCE: {"chargepoints": ("view",), "tariffs": ("view",), "django_celery_beat": ("view", "add", "change")},
    }

    def ready(self) -> None:
        from tariffs.models import Tariff

        from .languages import user_language_restore
        from .periodic import periodic_jobs_ensure
        from .receivers import protect_tariffs_in_use
        from .roles import roles_sync
        from .staff_login import staff_session_start

        post_migrate.connect(roles_sync, dispatch_uid="chargepoints.roles_sync")
        post_migrate.connect(periodic_jobs_ensure, dispatch_uid="chargepoints.periodic_jobs_ensure")
        # Every app's dashboard cards (chargepoints.dashboard) and session page links (chargepoints.portal); all
        # models are loaded by the time ready() runs.
        autodiscover_modules("dashboard", "portal")
        user_logged_in.connect(staff_session_start, dispatch_uid="chargepoints.staff_session_start")
        user_logged_in.connect(user_language_restore, dispatch_uid="chargepoints.user_language_restore")
        pre_delete.connect(protect_tariffs_in_use, sender=Tariff, dispatch_uid="chargepoints.protect_tariffs_in_use")
