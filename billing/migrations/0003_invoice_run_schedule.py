"""Once created the invoice run's beat schedule. The job is now declared once, in billing/schedule.py, and created
after every migrate (chargepoints.periodic.periodic_jobs_ensure); databases that ran this migration keep their row."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0002_invoices"),
        ("django_celery_beat", "0016_alter_crontabschedule_timezone"),
    ]

    operations: list[migrations.operations.base.Operation] = []
