"""The clip tools' loop moved from songs.tool_tasks to songs.tasks: point the stored schedule at it.

songs/tool_tasks.py stays one release as a shim for jobs already queued under the old path.
"""

from django.db import migrations

MOVED = {"songs.tool_tasks.poll_tools": "songs.tasks.poll_tools"}


def repoint(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    for old, new in MOVED.items():
        Schedule.objects.filter(func=old).update(func=new)


def point_back(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    for old, new in MOVED.items():
        Schedule.objects.filter(func=new).update(func=old)


class Migration(migrations.Migration):
    dependencies = [
        ("songs", "0007_hidden_by"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(repoint, point_back)]
