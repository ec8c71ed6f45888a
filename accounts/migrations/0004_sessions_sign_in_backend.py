"""Signed-in sessions move onto accounts.backends.AccountModelBackend, which replaced Django's
ModelBackend in settings: a session names the backend that signed it in, and Django signs out one whose
backend is no longer listed. (Sessions in the database, the default engine; others sign in again.)"""

from django.conf import settings
from django.db import migrations
from django.utils import timezone

OLD = "django.contrib.auth.backends.ModelBackend"
NEW = "accounts.backends.AccountModelBackend"
BACKEND_SESSION_KEY = "_auth_user_backend"


def move_sessions(apps, schema_editor, *, old: str, new: str) -> None:
    if settings.SESSION_ENGINE != "django.contrib.sessions.backends.db":
        return
    from django.contrib.sessions.backends.db import SessionStore

    Session = apps.get_model("sessions", "Session")
    store = SessionStore()
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator(chunk_size=500):
        data = store.decode(session.session_data)
        if data.get(BACKEND_SESSION_KEY) == old:
            data[BACKEND_SESSION_KEY] = new
            Session.objects.filter(pk=session.pk).update(session_data=store.encode(data))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_email_confirmation"),
        ("sessions", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(
            lambda apps, editor: move_sessions(apps, editor, old=OLD, new=NEW),
            lambda apps, editor: move_sessions(apps, editor, old=NEW, new=OLD),
        ),
    ]
