from django.urls import path, re_path, register_converter

from web import views
from web.converters import IsoDateConverter

register_converter(IsoDateConverter, "isodate")

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("papers/date/<isodate:day>", views.day, name="day"),
    path("papers/latest", views.latest, name="latest"),
    re_path(r"^papers/(?P<arxiv_id>[a-zA-Z\-.]+/\d{7}|\d{4}\.\d{4,5})$", views.paper, name="paper"),
    path("healthz", views.healthz, name="healthz"),
]
