from django.urls import path

from . import views

app_name = "playlists"
urlpatterns = [
    path("", views.playlist_list, name="playlist_list"),
    path("add/", views.item_add, name="item_add"),
    path("<int:pk>/", views.playlist_detail, name="playlist_detail"),
    path("<int:pk>/edit/", views.playlist_edit, name="playlist_edit"),
    path("<int:pk>/publish/", views.playlist_publish, name="playlist_publish"),
    path("<int:pk>/delete/", views.playlist_delete, name="playlist_delete"),
    path("<int:pk>/reorder/", views.playlist_reorder, name="playlist_reorder"),
    path("<int:pk>/items/<int:item_pk>/move/", views.item_move, name="item_move"),
    path("<int:pk>/items/<int:item_pk>/remove/", views.item_remove, name="item_remove"),
]
