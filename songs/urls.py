from django.urls import path

from . import tool_views, views

app_name = "songs"
urlpatterns = [
    path("", views.library, name="library"),
    path("new/", views.song_create, name="song_create"),
    path("<int:pk>/", views.song_detail, name="song_detail"),
    path("<int:pk>/row/", views.song_row, name="song_row"),
    path("<int:pk>/retry/", views.song_retry, name="song_retry"),
    path("<int:pk>/publish/", views.song_publish, name="song_publish"),
    path("<int:pk>/unpublish/", views.song_unpublish, name="song_unpublish"),
    path("clips/<int:pk>/card/", views.clip_card, name="clip_card"),
    # Clip tools (songs/tool_views.py)
    path("clips/<int:pk>/", tool_views.clip_detail, name="clip_detail"),
    path("clips/<int:pk>/tools/<str:kind>/", tool_views.clip_asset, name="clip_asset"),
    path("clips/<int:pk>/tools/<str:kind>/file/", tool_views.clip_asset_file, name="clip_asset_file"),
    path("clips/<int:pk>/lyrics.<str:fmt>", tool_views.clip_lyrics_file, name="clip_lyrics_file"),
    path("clips/<int:pk>/extend/", tool_views.clip_extend, name="clip_extend"),
    path("clips/<int:pk>/concat/", tool_views.clip_concat, name="clip_concat"),
    path("clips/<int:pk>/stems/<str:mode>/", tool_views.clip_stems, name="clip_stems"),
    path("upload/", tool_views.upload_create, name="upload_create"),
    path("upload/source/<str:token>/", tool_views.upload_source, name="upload_source"),
    path("lyrics/", tool_views.lyrics_draft_create, name="lyrics_draft_create"),
    path("lyrics/<int:pk>/", tool_views.lyrics_draft_detail, name="lyrics_draft_detail"),
    path("profile/", tool_views.profile, name="profile"),
    path("clips/<int:pk>/<str:kind>/", views.clip_media, name="clip_media"),
]
