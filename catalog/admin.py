"""Admin for browsing and fixing catalogue records and inspecting imports."""

from django.contrib import admin
from django.db import models

from catalog.models import (
    Author,
    Authorship,
    Category,
    HarvestState,
    ImportRejection,
    ImportRun,
    Paper,
)


class AuthorshipInline(admin.TabularInline):
    model = Authorship
    extra = 0
    autocomplete_fields = ["author"]
    ordering = ["position"]


@admin.register(Paper)
class PaperAdmin(admin.ModelAdmin):
    list_display = ["arxiv_id", "title", "primary_category", "published_on", "source"]
    list_filter = ["source", "primary_category"]
    search_fields = ["=arxiv_id", "title", "doi"]
    date_hierarchy = "published_on"
    inlines = [AuthorshipInline]
    autocomplete_fields = ["categories", "primary_category"]
    list_select_related = ["primary_category"]
    show_full_result_count = False
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    readonly_fields = [
        "source",
        "source_fingerprints",
        "created_by_run",
        "updated_by_run",
        "created",
        "modified",
    ]


@admin.register(Author)
class AuthorAdmin(admin.ModelAdmin):
    list_display = ["name", "name_key"]
    search_fields = ["name", "name_key"]
    show_full_result_count = False


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code"]


class ImportRejectionInline(admin.TabularInline):
    model = ImportRejection
    extra = 0
    can_delete = False
    readonly_fields = ["location", "reason"]


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    list_display = [
        "pk",
        "source",
        "status",
        "started_at",
        "new",
        "updated",
        "unchanged",
        "rejected",
    ]
    list_filter = ["source", "status"]
    inlines = [ImportRejectionInline]
    readonly_fields = [f.name for f in ImportRun._meta.fields]


@admin.register(HarvestState)
class HarvestStateAdmin(admin.ModelAdmin):
    list_display = ["name", "watermark", "pages_done", "updated"]
