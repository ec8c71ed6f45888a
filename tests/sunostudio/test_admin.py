"""Every admin page a moderator or an admin opens renders (no 500s), with real objects in it."""

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.urls import reverse

from songs.models import Clip
from tests.songs.builders import make_song

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser():
    return get_user_model().objects.create_superuser("root", password="correct horse battery")


def test_every_admin_changelist_and_change_page_renders(client, superuser, user):
    make_song(owner=user, status=Clip.Status.COMPLETE)
    client.force_login(superuser)
    assert client.get(reverse("admin:index")).status_code == 200
    for model, model_admin in admin.site._registry.items():
        info = (model._meta.app_label, model._meta.model_name)
        changelist = client.get(reverse("admin:{}_{}_changelist".format(*info)))
        assert changelist.status_code == 200, info
        search = client.get(reverse("admin:{}_{}_changelist".format(*info)), {"q": "night"})
        assert search.status_code == 200, info
        obj = model._default_manager.first()
        if obj is not None and model_admin.has_view_permission(changelist.wsgi_request, obj):
            change = client.get(reverse("admin:{}_{}_change".format(*info), args=[obj.pk]))
            assert change.status_code == 200, info
