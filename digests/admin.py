from django.contrib import admin

from digests.models import Delivery, Subscription, Webhook
from digests.services.stopping import cancel_waiting


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ("email", "status", "frequency", "send_hour", "time_zone", "hard_failures")
    list_filter = ("status", "frequency")
    search_fields = ("email",)
    raw_id_fields = ("user",)
    readonly_fields = ("token", "created", "confirmed_at", "unsubscribed_at")

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        if obj.status in (Subscription.Status.UNSUBSCRIBED, Subscription.Status.SUSPENDED):
            cancel_waiting(obj.pk)


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ("subscription", "frequency", "period_start", "status", "attempts", "sent_at")
    list_filter = ("status", "frequency", "period_start")
    search_fields = ("subscription__email", "message_id")
    raw_id_fields = ("subscription",)
    readonly_fields = ("paper_ids", "claimed_by", "claimed_at", "message_id", "error")


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin):
    list_display = ("owner", "format", "url", "enabled", "failures", "checked_at")
    list_filter = ("enabled", "format")
    raw_id_fields = ("owner", "search", "collection")
    exclude = ("secret",)
