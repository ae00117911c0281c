"""Top-level URL map: the site, then the admin."""

from django.contrib import admin
from django.urls import include, path

from api.main import api
from web.forms import RateLimitedAdminLoginForm

admin.site.login_form = RateLimitedAdminLoginForm  # limited like the site's log-in

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("", include("web.urls")),
]
