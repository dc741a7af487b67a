"""History brought in from spreadsheets: imports, saved mappings, history figures, links to historic records."""
from django.urls import path

from history import views

app_name = "history"

urlpatterns = [
    path("", views.index, name="index"),
    path("import/", views.upload, name="upload"),
    path("import/<int:pk>/", views.batch_detail, name="batch_detail"),
    path("import/<int:pk>/mapping/", views.mapping, name="mapping"),
    path("import/<int:pk>/confirm/", views.confirm, name="confirm"),
    path("import/<int:pk>/cancel/", views.cancel, name="cancel"),
    path("import/<int:pk>/rollback/", views.rollback, name="rollback"),
    path("jobs/<int:pk>/", views.job_result, name="job_result"),
    path("mappings/", views.mapping_list, name="mapping_list"),
    path("mappings/<int:pk>/delete/", views.mapping_delete, name="mapping_delete"),
    path("figures/", views.figure_list, name="figure_list"),
    path("figures/new/", views.figure_edit, name="figure_create"),
    path("figures/<int:pk>/", views.figure_edit, name="figure_edit"),
    path("figures/<int:pk>/delete/", views.figure_delete, name="figure_delete"),
    path("links/worker/<int:pk>/", views.link, name="link"),
    path("links/<int:pk>/unlink/", views.unlink, name="unlink"),
]
