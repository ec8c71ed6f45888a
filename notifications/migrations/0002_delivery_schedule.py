from django.db import migrations


def create_schedule(apps, schema_editor):
    """Every minute: try again each webhook delivery whose backoff has passed."""
    apps.get_model("django_q", "Schedule").objects.update_or_create(
        name="notifications.deliver_due_webhooks",
        defaults={
            "func": "notifications.tasks.deliver_due_webhooks",
            "schedule_type": "I",
            "minutes": 1,
            "repeats": -1,
        },
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name="notifications.deliver_due_webhooks").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0001_initial"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
