"""Admin for members (including imported placeholders) and daily listings."""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin

from community.models import (
    ApiToken,
    AuthorClaim,
    Comment,
    DailyListing,
    Follow,
    Upvote,
    User,
)
from community.services.claims import decide_claim
from community.services.errors import NotAllowed
from community.services.submissions import hide_from_search


@admin.action(description="Let the selected placeholders log in (claimed)")
def claim_placeholders(modeladmin, request, queryset):
    """A claimed placeholder becomes a normal member; set its email and password next."""
    queryset.filter(is_placeholder=True).update(is_placeholder=False)


@admin.register(User)
class MemberAdmin(UserAdmin):
    actions = [claim_placeholders]
    list_display = ["username", "display_name", "email", "is_placeholder", "is_staff"]
    list_filter = ["is_placeholder", "is_staff", "is_active"]
    search_fields = ["username", "display_name", "email", "hf_username"]
    fieldsets = (
        *UserAdmin.fieldsets,
        ("Paperboy", {"fields": ("display_name", "is_placeholder", "hf_username")}),
    )


@admin.register(DailyListing)
class DailyListingAdmin(admin.ModelAdmin):
    list_display = [
        "paper",
        "listed_on",
        "submitted_by",
        "imported_upvotes",
        "imported_comments",
        "featured",
        "hidden",
    ]
    list_filter = ["featured", "hidden", "listed_on"]
    list_editable = ["featured", "hidden"]
    search_fields = ["=paper__arxiv_id", "paper__title"]
    raw_id_fields = ["paper", "submitted_by"]
    date_hierarchy = "listed_on"
    list_select_related = ["paper", "submitted_by"]

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        hide_from_search(obj.paper_id)  # a hidden listing hides its paper from search

    def delete_model(self, request, obj) -> None:
        super().delete_model(request, obj)
        hide_from_search(obj.paper_id)


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ["paper", "author", "created", "deleted", "hidden"]
    list_filter = ["hidden", "deleted"]
    list_editable = ["hidden"]
    search_fields = ["body", "author__username", "=paper__arxiv_id"]
    raw_id_fields = ["paper", "author", "parent"]
    readonly_fields = ["body_html"]
    list_select_related = ["paper", "author"]


@admin.register(Upvote)
class UpvoteAdmin(admin.ModelAdmin):
    list_display = ["paper", "user", "created"]
    raw_id_fields = ["paper", "user"]
    list_select_related = ["paper", "user"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["user", "name", "prefix", "created", "last_used"]
    readonly_fields = ["prefix", "key_hash", "created", "last_used"]
    raw_id_fields = ["user"]


@admin.register(AuthorClaim)
class AuthorClaimAdmin(admin.ModelAdmin):
    """Curators approve or reject claims here (or on the author page)."""

    list_display = ("author", "user", "status", "notify", "created", "decided_by")
    list_filter = ("status",)
    search_fields = ("author__name", "user__username", "user__email")
    raw_id_fields = ("author", "user", "decided_by")
    readonly_fields = ("created", "decided_at", "decided_by")
    actions = ("approve", "reject")

    def _decide(self, request, queryset, approve: bool) -> None:
        for claim in queryset.select_related("author", "user"):
            try:
                decide_claim(claim, request.user, approve=approve)
            except NotAllowed as error:
                self.message_user(request, f"{claim}: {error.message}", messages.ERROR)

    @admin.action(description="Approve the selected claims")
    def approve(self, request, queryset) -> None:
        self._decide(request, queryset, True)

    @admin.action(description="Reject the selected claims")
    def reject(self, request, queryset) -> None:
        self._decide(request, queryset, False)


@admin.register(Follow)
class FollowAdmin(admin.ModelAdmin):
    list_display = ("user", "kind", "author", "category", "query", "created")
    list_filter = ("kind",)
    raw_id_fields = ("user", "author")
