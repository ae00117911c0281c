"""Top-level URL map: the site, then the admin."""

from django.contrib import admin
from django.urls import include, path

from api.main import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("", include("web.urls")),
]
