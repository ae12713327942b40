"""The beat schedule of the invoice run: daily at 03:00 in the billing time zone. Staff may edit or disable it."""

from django.conf import settings
from django.db import migrations

SCHEDULE_NAME = "Billing: invoice run"


def create_schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    if PeriodicTask.objects.filter(name=SCHEDULE_NAME).exists():
        return
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="0", hour="3", day_of_week="*", day_of_month="*", month_of_year="*", timezone=settings.BILLING_TIME_ZONE
    )
    PeriodicTask.objects.create(
        name=SCHEDULE_NAME,
        task="billing.invoice_run",
        crontab=crontab,
        description="Bills every complete period of every active billing profile in draft invoices.",
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=SCHEDULE_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0002_invoices"),
        ("django_celery_beat", "0016_alter_crontabschedule_timezone"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
