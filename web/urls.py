from django.urls import path, re_path

from web import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("papers/date/<int:year>-<int:month>-<int:day>", views.day, name="day"),
    path("papers/latest", views.latest, name="latest"),
    re_path(r"^papers/(?P<arxiv_id>[a-zA-Z\-.]+/\d{7}|\d{4}\.\d{4,5})$", views.paper, name="paper"),
    path("healthz", views.healthz, name="healthz"),
]
