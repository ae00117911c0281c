"""Digest subscription pages: subscribe, confirm, preferences, unsubscribe.

Subscribing and the one-click unsubscribe are exempt from CSRF checks on purpose: list pages
are cached for anonymous visitors (so they cannot carry a per-visitor token), and mail
providers post the one-click unsubscribe without cookies (RFC 8058). Neither can do harm
through a forged request: a subscription stays inactive until the address confirms it,
and an unsubscribe needs the subscriber's own unguessable token.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from digests.models import Subscription
from digests.services.subscribing import (
    InvalidSubscription,
    confirm,
    for_preferences,
    normalise_email,
    pending_for_confirmation,
    preferences_link,
    request_allowed,
    subscribe,
    unsubscribe,
    update_preferences,
)
from paperboy.ratelimit import client_address
from web.forms import PreferencesForm, SubscribeForm
from web.htmx import is_htmx


def subscription_allowed(request: HttpRequest, email: str) -> bool:
    return request_allowed(client_address(request), email)


TOO_MANY = "Too many requests. Try again in an hour."


def _subscribe_from(request: HttpRequest, form: SubscribeForm) -> tuple[str | None, str, int]:
    """Subscribe what a valid form names: (the address, "", 200) when done, else (None,
    the problem, the status to answer with)."""
    if not form.is_valid():
        return None, "Enter a valid email address.", 400
    data = form.cleaned_data
    try:
        email = normalise_email(data["email"])
        if not subscription_allowed(request, email):
            return None, TOO_MANY, 429
        subscribe(
            email,
            frequency=data["frequency"] or "weekly",
            topics=[data["topic"]] if data["topic"] else [],
            # Anonymous always: this view takes cross-site POSTs (no CSRF check), so the
            # session must not count. Members subscribe without mail from their profile.
            user=None,
        )
    except InvalidSubscription as error:
        return None, str(error), 400
    return email, "", 200


@csrf_exempt
@require_http_methods(["GET", "POST"])
def subscribe_page(request: HttpRequest) -> HttpResponse:
    """The subscribe page, and the list pages' box (answered in place for htmx)."""
    form = SubscribeForm(request.POST if request.method == "POST" else None)
    if request.method == "GET":
        return render(request, "web/digest_subscribe.html", {"form": form})
    email, problem, status = _subscribe_from(request, form)
    if is_htmx(request):
        if email:
            return render(request, "web/_subscribe_done.html", {"email": email})
        return render(request, "web/_subscribe_box.html", {"subscribe_error": problem})
    if email:
        return render(request, "web/digest_check_inbox.html", {"email": email})
    if problem and not form.errors.get("email"):
        form.add_error(None, problem)
    return render(request, "web/digest_subscribe.html", {"form": form}, status=status)


@require_http_methods(["GET", "POST"])
def confirm_page(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button (mail scanners fetch links); POST confirms."""
    pending = pending_for_confirmation(token)
    if pending is None:
        return render(request, "web/digest_link_invalid.html", status=400)
    if request.method == "POST":
        subscription = confirm(token)
        if subscription is None:
            return render(request, "web/digest_link_invalid.html", status=400)
        return redirect(preferences_link(subscription) + "?welcome=1")
    return render(request, "web/digest_confirm.html", {"subscription": pending})


@require_http_methods(["GET", "POST"])
def preferences_page(request: HttpRequest, token: str) -> HttpResponse:
    subscription = for_preferences(token)
    if subscription is None:
        return render(request, "web/digest_link_invalid.html", status=400)
    limit = settings.PAPERBOY_DIGEST_MAX_PAPERS
    form = PreferencesForm(
        request.POST or None,
        initial=PreferencesForm.initial_for(subscription),
        max_papers=limit,
    )
    saved = False
    if request.method == "POST" and form.is_valid():
        try:
            update_preferences(subscription, **form.changes())
        except InvalidSubscription as error:
            form.add_error(None, str(error))
        else:
            saved = True
    context = {
        "subscription": subscription,
        "form": form,
        "saved": saved,
        "welcome": request.GET.get("welcome") == "1",
        "unsubscribe_token": subscription.token,
    }
    return render(
        request,
        "web/digest_preferences.html",
        context,
        status=200 if form.is_valid() or request.method == "GET" else 400,
    )


@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe_page(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks (and changes nothing); POST unsubscribes: the page's button, or a mail
    provider's RFC 8058 one-click request, which carries no cookies."""
    if request.method == "GET":
        subscription = Subscription.objects.filter(token=token).first()
        if subscription is None:
            return render(request, "web/digest_link_invalid.html", status=404)
        return render(request, "web/digest_unsubscribe.html", {"subscription": subscription})
    subscription = unsubscribe(token)
    if subscription is None:
        return render(request, "web/digest_link_invalid.html", status=404)
    if request.POST.get("List-Unsubscribe") == "One-Click":
        return HttpResponse("Unsubscribed.\n", content_type="text/plain")
    return render(request, "web/digest_unsubscribed.html", {"subscription": subscription})


@require_POST
@login_required
def member_subscribe(request: HttpRequest) -> HttpResponse:
    """A member subscribes their own address (no confirmation once it is verified)."""
    form = SubscribeForm({"email": request.user.email, **request.POST.dict()})
    if not form.is_valid() or not subscription_allowed(request, request.user.email.lower()):
        return redirect("web:profile", username=request.user.username)
    subscription = subscribe(
        request.user.email,
        frequency=form.cleaned_data["frequency"] or "weekly",
        topics=[form.cleaned_data["topic"]] if form.cleaned_data["topic"] else [],
        user=request.user,
    )
    if (
        subscription.status == Subscription.Status.ACTIVE
        and subscription.user_id == request.user.pk
    ):
        return redirect(preferences_link(subscription))
    return render(request, "web/digest_check_inbox.html", {"email": subscription.email})
