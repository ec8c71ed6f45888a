from django.db import migrations

SCHEDULE_NAME = "sunostudio.refresh_upstream_balance"


def create_schedule(apps, schema_editor):
    """Read the upstream balance every 5 minutes: often enough to warn before credit runs out, and never
    from a web request."""
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.update_or_create(
        name=SCHEDULE_NAME,
        defaults={
            "func": "sunostudio.tasks.refresh_upstream_balance",
            "schedule_type": "I",
            "minutes": 5,
            "repeats": -1,
        },
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=SCHEDULE_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("sunostudio", "0001_initial"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
