from django.urls import path

from reports.aftercare import views

app_name = "aftercare"

urlpatterns = [
    path("", views.overstay, name="overstay"),
    path("overstay.xlsx", views.overstay_export, name="overstay_export"),
    path("enterprises/", views.scorecard, name="scorecard"),
    path("enterprises.xlsx", views.scorecard_export, name="scorecard_export"),
]
