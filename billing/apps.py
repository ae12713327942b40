from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"

    def ready(self) -> None:
        from chargepoints.signals import session_changed

        from .receivers import create_cdr_when_session_completes

        session_changed.connect(create_cdr_when_session_completes, dispatch_uid="billing.create_cdr")
