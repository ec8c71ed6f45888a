from django.urls import path

from . import views

app_name = "personas"
urlpatterns = [
    path("", views.persona_library, name="library"),
    path("from-clip/<int:clip_pk>/", views.persona_create, name="persona_create"),
    path("<int:pk>/card/", views.persona_card, name="persona_card"),
    path("<int:pk>/edit/", views.persona_edit, name="persona_edit"),
    path("<int:pk>/delete/", views.persona_delete, name="persona_delete"),
    path("<int:pk>/retry/", views.persona_retry, name="persona_retry"),
    path("<int:pk>/media/<str:kind>/", views.persona_media, name="persona_media"),
]
