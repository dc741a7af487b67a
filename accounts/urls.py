"""The accounts screens, under /accounts/ beside the login and password pages."""
from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("users/", views.user_list, name="user_list"),
    path("users/new/", views.user_create, name="user_create"),
    path("users/deactivate/", views.users_deactivate, name="users_deactivate"),
    path("users/<int:pk>/", views.user_edit, name="user_edit"),
    path("users/<int:pk>/deactivate/", views.user_deactivate, name="user_deactivate"),
    path("users/<int:pk>/activate/", views.user_activate, name="user_activate"),
    path("users/<int:pk>/password/", views.user_reset, name="user_reset"),
    path("codes/", views.codes, name="codes"),
    path("inactivity/", views.inactivity, name="inactivity"),
    path("import/", views.import_upload, name="import_upload"),
    path("import/template.xlsx", views.import_template, name="import_template"),
    path("import/<int:pk>/", views.import_preview_view, name="import_preview"),
    path("import/<int:pk>/confirm/", views.import_commit_view, name="import_commit"),
    path("set-password/<uidb64>/<token>/", views.SetPasswordView.as_view(), name="set_password"),
    path("set-password/done/", views.SetPasswordDoneView.as_view(), name="set_password_done"),
]
