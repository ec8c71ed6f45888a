from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("", views.notification_list, name="list"),
    path("bell/", views.bell, name="bell"),
    path("read/", views.notifications_read, name="read"),
    path("webhooks/", views.webhook_list, name="webhooks"),
    path("webhooks/<int:pk>/delete/", views.webhook_delete, name="webhook_delete"),
    path("webhooks/<int:pk>/secret/", views.webhook_rotate, name="webhook_rotate"),
    path("webhooks/<int:pk>/test/", views.webhook_test, name="webhook_test"),
]
