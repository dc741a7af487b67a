from django.urls import path

from reports import views

app_name = "progress"

urlpatterns = [
    path("", views.progress_form, name="form"),
    path("jobs/<int:pk>/", views.progress_result, name="result"),
    path("units.json", views.unit_search, name="units"),
    path("reconciliation/", views.reconciliation, name="reconciliation"),
    path("pool/", views.pool, name="pool"),
    path("review-template/", views.review_template, name="review_template"),
    path("review-template/default.docx", views.review_template_download, {"which": "default"},
         name="review_template_default"),
    path("review-template/current.docx", views.review_template_download, {"which": "current"},
         name="review_template_current"),
    path("review-template/reset/", views.review_template_reset, name="review_template_reset"),
]
