from django.contrib.auth.management import create_permissions
from django.db import migrations

MODERATORS_GROUP = "Moderators"
# What a moderator needs and no more: read the queue, the content and the log; act through the two
# custom permissions. No add/change/delete on songs or users, and nothing at all on the audit log but view.
MODERATOR_PERMISSIONS = [
    ("moderation", "view_report"),
    ("moderation", "moderate_content"),
    ("moderation", "suspend_user"),
    ("moderation", "view_moderationaction"),
    ("moderation", "view_suspension"),
    ("songs", "view_song"),
    ("songs", "view_clip"),
    ("auth", "view_user"),
]


def create_moderators(apps, schema_editor):
    # Permissions are normally made by post_migrate, after every migration has run; make them now so
    # the group has them on a fresh database too.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=MODERATORS_GROUP)
    for app_label, codename in MODERATOR_PERMISSIONS:
        permission = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
        if permission is not None:
            group.permissions.add(permission)


def remove_moderators(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=MODERATORS_GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("moderation", "0001_initial"),
        ("songs", "0004_song_sharing"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_moderators, remove_moderators)]
