from django.urls import path

from reports import views

app_name = "progress"

urlpatterns = [
    path("", views.progress_form, name="form"),
    path("jobs/<int:pk>/", views.progress_result, name="result"),
    path("reconciliation/", views.reconciliation, name="reconciliation"),
]
