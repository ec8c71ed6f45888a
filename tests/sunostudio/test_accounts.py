import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_sign_up_logs_the_new_creator_in(client):
    response = client.post(
        reverse("signup"),
        {"username": "newbie", "password1": "a quiet harbour 42", "password2": "a quiet harbour 42"},
    )
    assert response["Location"] == reverse("songs:song_create")
    assert client.get(reverse("songs:library")).status_code == 200
    assert get_user_model().objects.filter(username="newbie").exists()


def test_sign_up_errors_keep_the_username(client):
    response = client.post(reverse("signup"), {"username": "newbie", "password1": "x", "password2": "y"})
    assert response.status_code == 200
    assert 'value="newbie"' in response.content.decode()


def test_log_in_and_log_out(client, user):
    response = client.post(reverse("login"), {"username": "ada", "password": "correct horse battery"})
    assert response["Location"] == reverse("songs:library")
    client.post(reverse("logout"))
    assert client.get(reverse("songs:library")).status_code == 302


def test_wrong_password_says_so_and_keeps_the_username(client, user):
    response = client.post(reverse("login"), {"username": "ada", "password": "nope"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "correct username and password" in body and 'value="ada"' in body
