from django.urls import path

from . import views

app_name = "songs"
urlpatterns = [
    path("", views.library, name="library"),
    path("new/", views.song_create, name="song_create"),
    path("<int:pk>/", views.song_detail, name="song_detail"),
    path("<int:pk>/row/", views.song_row, name="song_row"),
    path("<int:pk>/retry/", views.song_retry, name="song_retry"),
    path("<int:pk>/publish/", views.song_publish, name="song_publish"),
    path("<int:pk>/unpublish/", views.song_unpublish, name="song_unpublish"),
    path("<int:pk>/publish/", views.song_publish, name="song_publish"),
    path("<int:pk>/unpublish/", views.song_unpublish, name="song_unpublish"),
    path("clips/<int:pk>/card/", views.clip_card, name="clip_card"),
    path("clips/<int:pk>/<str:kind>/", views.clip_media, name="clip_media"),
]
