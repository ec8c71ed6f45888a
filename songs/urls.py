from django.urls import path

from . import converters, public_views, views  # noqa: F401  (converters registers the path converters)

app_name = "songs"
urlpatterns = [
    path("", views.library, name="library"),
    path("new/", views.song_create, name="song_create"),
    path("<int:pk>/", views.song_detail, name="song_detail"),
    path("<int:pk>/row/", views.song_row, name="song_row"),
    path("<int:pk>/menu/", views.song_menu, name="song_menu"),
    path("<int:pk>/rename/", views.song_rename, name="song_rename"),
    path("<int:pk>/like/", views.song_like, name="song_like"),
    path("<int:pk>/trash/", views.song_trash, name="song_trash"),
    path("<int:pk>/restore/", views.song_restore, name="song_restore"),
    path("bulk/", views.songs_bulk, name="songs_bulk"),
    path("trash/empty/", views.trash_empty, name="trash_empty"),
    path("<int:pk>/retry/", views.song_retry, name="song_retry"),
    path("<int:pk>/publish/", views.song_publish, name="song_publish"),
    path("<int:pk>/unpublish/", views.song_unpublish, name="song_unpublish"),
    path("clips/<int:pk>/", views.clip_detail, name="clip_detail"),
    path("clips/<int:pk>/card/", views.clip_card, name="clip_card"),
    path("clips/<int:pk>/<media_kind:kind>/", views.clip_media, name="clip_media"),
    path("clips/<int:pk>/tools/<str:kind>/", views.clip_asset, name="clip_asset"),
    path("clips/<int:pk>/tools/<str:kind>/file/", views.clip_asset_file, name="clip_asset_file"),
    path("clips/<int:pk>/lyrics.<str:fmt>", views.clip_lyrics_file, name="clip_lyrics_file"),
    path("clips/<int:pk>/extend/", views.clip_extend, name="clip_extend"),
    path("clips/<int:pk>/concat/", views.clip_concat, name="clip_concat"),
    path("clips/<int:pk>/stems/<str:mode>/", views.clip_stems, name="clip_stems"),
    path("upload/", views.upload_create, name="upload_create"),
    path("upload/source/<str:token>/", public_views.upload_source, name="upload_source"),
    path("lyrics/", views.lyrics_draft_create, name="lyrics_draft_create"),
    path("lyrics/<int:pk>/", views.lyrics_draft_detail, name="lyrics_draft_detail"),
    path("profile/", views.profile, name="profile"),
]
