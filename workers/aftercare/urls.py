"""After departure, in the ``workers`` namespace (included by ``workers.urls``)."""
from django.urls import path

from workers.aftercare import views

urlpatterns = [
    path("departures/<int:pk>/contract/", views.contract_edit, name="contract_edit"),
    path("departures/<int:pk>/extensions/new/", views.extension_create, name="extension_create"),
    path("departures/<int:pk>/absconding/new/", views.absconding_create, name="absconding_create"),
    path("absconding/<int:pk>/close/", views.absconding_close, name="absconding_close"),
    path("returns/<int:pk>/follow-up/", views.follow_up_create, name="follow_up_create"),
    path("returnees/", views.returnee_list, name="returnee_list"),
    path("after-departure/rules/", views.overstay_rule_list, name="overstay_rule_list"),
    path("after-departure/rules/new/", views.overstay_rule_edit, name="overstay_rule_create"),
    path("after-departure/rules/<int:pk>/edit/", views.overstay_rule_edit, name="overstay_rule_edit"),
    path("after-departure/settings/", views.aftercare_settings, name="aftercare_settings"),
]
