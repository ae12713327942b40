"""Staff roles as Django groups. They are kept in step with the installed models after every migration.

Each app grants its own permissions to these roles on its AppConfig (``staff_role_grants``, see chargepoints.portal).
"""

from typing import Any

OPERATIONS = "CPO operations"
FINANCE = "Finance"


def roles_sync(**_: Any) -> None:
    """Create the groups and grant exactly the permissions the installed apps declare. Safe to run at any time."""
    from django.contrib.auth.models import Group, Permission
    from django.db.models import Q

    from .portal import staff_role_grants

    for group_name, apps in staff_role_grants().items():
        group, _created = Group.objects.get_or_create(name=group_name)
        wanted = Q(pk__in=[])
        for target, actions in apps.items():
            app_label, _dot, model = target.partition(".")
            scope = Q(content_type__app_label=app_label) & (Q(content_type__model=model) if model else Q())
            for action in actions:
                codename = f"{action}_{model}" if model else f"{action}_"
                wanted |= scope & (Q(codename=codename) if model else Q(codename__startswith=codename))
        group.permissions.set(Permission.objects.filter(wanted))
