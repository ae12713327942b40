"""Staff roles as Django groups. They are kept in step with the installed models after every migration."""

from typing import Any

from django.contrib.auth.models import Group, Permission
from django.db.models import Q

OPERATIONS = "CPO operations"
FINANCE = "Finance"

# Per group: app label (or "app_label.model") -> the permission actions it gets there. Apps that are not installed are
# simply skipped.
ROLE_PERMISSIONS: dict[str, dict[str, tuple[str, ...]]] = {
    OPERATIONS: {
        "chargepoints": ("view", "add", "change"),
        "tariffs": ("view", "add", "change", "delete"),
        "ocpi_api": ("view", "add", "change", "delete"),
        "ocpi_push": ("view", "change"),
        "ocpp_gateway": ("view", "add", "change"),
        "django_celery_beat": ("view", "add", "change", "delete"),
        # The CDR review queue is operations work; invoices stay with finance.
        "billing.cdr": ("view", "change"),
    },
    FINANCE: {
        "chargepoints": ("view",),
        "tariffs": ("view",),
        "billing": ("view", "add", "change"),
        "django_celery_beat": ("view", "add", "change"),
    },
}


def roles_sync(**_: Any) -> None:
    """Create the groups and grant exactly the permissions of ROLE_PERMISSIONS. Safe to run at any time."""
    for group_name, apps in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=group_name)
        wanted = Q(pk__in=[])
        for target, actions in apps.items():
            app_label, _dot, model = target.partition(".")
            scope = Q(content_type__app_label=app_label) & (Q(content_type__model=model) if model else Q())
            for action in actions:
                codename = f"{action}_{model}" if model else f"{action}_"
                wanted |= scope & (Q(codename=codename) if model else Q(codename__startswith=codename))
        group.permissions.set(Permission.objects.filter(wanted))
