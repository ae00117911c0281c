"""Admin for members (including imported placeholders) and daily listings."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from community.models import DailyListing, User


@admin.register(User)
class MemberAdmin(UserAdmin):
    list_display = ["username", "display_name", "email", "is_placeholder", "is_staff"]
    list_filter = ["is_placeholder", "is_staff", "is_active"]
    search_fields = ["username", "display_name", "email", "hf_username"]
    fieldsets = (
        *UserAdmin.fieldsets,
        ("Paperboy", {"fields": ("display_name", "is_placeholder", "hf_username")}),
    )


@admin.register(DailyListing)
class DailyListingAdmin(admin.ModelAdmin):
    list_display = ["paper", "listed_on", "submitted_by", "imported_upvotes", "imported_comments"]
    list_filter = ["listed_on"]
    search_fields = ["=paper__arxiv_id", "paper__title"]
    raw_id_fields = ["paper", "submitted_by"]
    date_hierarchy = "listed_on"
    list_select_related = ["paper", "submitted_by"]
