"""Sign-up, email verification, log-in, profiles and API tokens."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import Resolver404, resolve, reverse
from django.views.decorators.http import require_http_methods, require_POST

from community.models import AuthorClaim, DailyListing, Upvote, User
from community.permissions import can_participate
from community.queries import collections_of
from community.services.accounts import send_verification_email, verify_email
from community.services.errors import NotAllowed
from community.services.tokens import create_token, revoke_token
from digests.models import Subscription
from digests.services.subscribing import preferences_link
from paperboy.ratelimit import allow, client_address
from web.forms import RateLimitedLoginForm, SignUpForm, TokenForm
from web.params import positive_id


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    form = SignUpForm(request.POST or None)
    if request.method == "POST":
        if not allow("signup", client_address(request), settings.PAPERBOY_RATE_SIGNUP, 3600):
            form.add_error(None, "Too many sign-ups from your address. Try again in an hour.")
        elif form.is_valid():
            user = form.save()
            send_verification_email(user)
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, f"Welcome! We sent a confirmation link to {user.email}.")
            return redirect("web:profile", username=user.username)
    return render(request, "web/signup.html", {"form": form})


@require_http_methods(["GET"])
def verify(request: HttpRequest, token: str) -> HttpResponse:
    user = verify_email(token)
    if user is None:
        return render(request, "web/verify_failed.html", status=400)
    messages.success(request, "Your email address is confirmed. Welcome to Paperboy!")
    return redirect("web:profile", username=user.username)


@require_POST
@login_required
def resend_verification(request: HttpRequest) -> HttpResponse:
    if request.user.email_verified_at is None and allow(
        "verify-mail", str(request.user.pk), 3, 3600
    ):
        send_verification_email(request.user)
        messages.success(request, f"We sent a new link to {request.user.email}.")
    return redirect("web:profile", username=request.user.username)


# Actions that only take POST: after logging in, `next` pointing at one of them (an
# anonymous visitor clicked "upvote") goes to the page the action belongs to instead of a
# bare 405.
POST_ONLY_RETURN = {"upvote": "web:paper", "comment": "web:paper"}
POST_ONLY = {
    "comment_action", "listing_action", "tokens", "resend_verification", "member_digest",
    "logout",
}  # fmt: skip


def landing_for(url: str) -> str | None:
    """Where to go instead of `url` after logging in, when `url` only takes POST."""
    try:
        match = resolve(url.split("?", 1)[0])
    except Resolver404:
        return None
    if match.url_name in POST_ONLY_RETURN:
        return reverse(
            POST_ONLY_RETURN[match.url_name], kwargs={"arxiv_id": match.kwargs["arxiv_id"]}
        )
    if match.url_name in POST_ONLY:
        return reverse(settings.LOGIN_REDIRECT_URL)
    return None


class PaperboyLoginView(LoginView):
    template_name = "web/login.html"
    authentication_form = RateLimitedLoginForm
    redirect_authenticated_user = True

    def get_redirect_url(self) -> str:
        url = super().get_redirect_url()
        return (landing_for(url) or url) if url else url


def _profile_context(request: HttpRequest, member: User) -> dict:
    own = request.user.is_authenticated and request.user.pk == member.pk
    upvoted = Upvote.objects.filter(user=member).select_related("paper").order_by("-created")[:50]
    submitted = (
        DailyListing.objects.filter(submitted_by=member)
        .select_related("paper")
        .order_by("-listed_on")[:50]
    )
    digest = (
        Subscription.objects.filter(email=member.email.lower()).first()
        if own and member.email
        else None
    )
    return {
        "member": member,
        "authored": AuthorClaim.objects.filter(
            user=member, status=AuthorClaim.Status.APPROVED
        ).select_related("author"),
        "collections": collections_of(member, request.user if own else None),
        "upvoted": upvoted,
        "submitted": submitted,
        "own": own,
        "tokens": member.api_tokens.order_by("-created") if own else [],
        "can_participate": can_participate(member),
        "token_form": TokenForm(),
        "digest": digest,
        "digest_preferences": preferences_link(digest) if digest else "",
    }


def profile(request: HttpRequest, username: str) -> HttpResponse:
    member = get_object_or_404(User, username=username)
    return render(request, "web/profile.html", _profile_context(request, member))


@require_POST
@login_required
def tokens(request: HttpRequest) -> HttpResponse:
    """Create a token (shown once, in this response's body only: never in a cookie, a
    message or a log) or revoke one of one's own."""
    if "revoke" in request.POST:
        token_id = positive_id(request.POST["revoke"])
        if token_id is None:
            return HttpResponseBadRequest("revoke must be a token id.")
        if revoke_token(request.user, token_id):
            messages.success(request, "Token revoked.")
        else:
            messages.error(request, "No such token of yours; nothing was revoked.")
        return redirect("web:profile", username=request.user.username)
    form = TokenForm(request.POST)
    if not form.is_valid():
        return redirect("web:profile", username=request.user.username)
    try:
        _, raw = create_token(request.user, form.cleaned_data["name"])
    except NotAllowed as error:
        messages.error(request, error.message)
        return redirect("web:profile", username=request.user.username)
    context = {**_profile_context(request, request.user), "new_token": raw}
    response = render(request, "web/profile.html", context, status=201)
    response["Cache-Control"] = "no-store"
    return response
