from django.urls import path

from targets import progress_views

app_name = "progress"

urlpatterns = [
    path("", progress_views.progress_form, name="form"),
    path("jobs/<int:pk>/", progress_views.progress_result, name="result"),
    path("reconciliation/", progress_views.reconciliation, name="reconciliation"),
]
