"""Forms for the site's pages."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, UserCreationForm
from django.template.loader import render_to_string

from community.models import User
from paperboy.email import is_public_mail_domain
from paperboy.outbox import queue_mail
from paperboy.ratelimit import allow, client_address, login_identity

LOGIN_WINDOW = 15 * 60
# One address may try several accounts (a shared office, a university's NAT), not dozens.
LOGIN_ADDRESS_FACTOR = 5


class SignUpForm(UserCreationForm):
    email = forms.EmailField(required=True, help_text="We send a link to confirm it.")

    class Meta:
        model = User
        fields = ("username", "email")

    def clean_username(self) -> str:
        username = super().clean_username()
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError("A member with this user name already exists.")
        return username

    def clean_email(self) -> str:
        email = User.objects.normalize_email(self.cleaned_data["email"]).lower()
        allowed = tuple(settings.PAPERBOY_MAIL_ALLOWED_DOMAINS)
        if not is_public_mail_domain(email.rsplit("@", 1)[-1], allowed):
            raise forms.ValidationError(
                "Use an address at a public domain name (not an IP address or a local name)."
            )
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError("An account with this email address already exists.")
        return email


def check_login_rate(request, username: str) -> None:
    """Count a log-in attempt against the account it is for (the user name as the backend
    compares it, so `name `, `name\t` or a full-width letter share one bucket) and,
    separately, against the client's address; ValidationError once either is spent."""
    limit = settings.PAPERBOY_RATE_LOGIN
    by_account = allow("login-account", login_identity(username), limit, LOGIN_WINDOW)
    by_address = allow(
        "login-address", client_address(request), limit * LOGIN_ADDRESS_FACTOR, LOGIN_WINDOW
    )
    if not (by_account and by_address):
        raise forms.ValidationError(
            "Too many login attempts. Wait 15 minutes and try again.", code="rate_limited"
        )


class RateLimitedLoginForm(AuthenticationForm):
    """Login that refuses, for 15 minutes, after PAPERBOY_RATE_LOGIN attempts for one
    account, or five times as many from one address."""

    def clean(self):
        check_login_rate(self.request, self.data.get("username", ""))
        return super().clean()


class RateLimitedAdminLoginForm(AdminAuthenticationForm):
    """The admin's log-in, limited exactly like the site's."""

    def clean(self):
        check_login_rate(self.request, self.data.get("username", ""))
        return super().clean()


class ThrottledPasswordResetForm(PasswordResetForm):
    """Reset mails: at most PAPERBOY_RATE_PASSWORD_RESET an hour to one address, and five
    times as many from one client. Past that the page answers as usual and sends nothing,
    so it reveals nothing about which addresses have accounts."""

    client: str | None = None

    def save(self, *args, request=None, **kwargs):
        self.client = client_address(request) if request is not None else None
        return super().save(*args, request=request, **kwargs)

    def send_mail(self, subject, template, context, from_email, to_email, **kwargs) -> None:
        """Through the outbox (paperboy/outbox.py), not the mail server in the request."""
        limit = settings.PAPERBOY_RATE_PASSWORD_RESET
        by_address = allow("reset-address", to_email.lower(), limit, 3600)
        by_client = self.client is None or allow("reset-client", self.client, limit * 5, 3600)
        if by_address and by_client:
            title = render_to_string(subject, context)
            html = kwargs.get("html_email_template_name")
            queue_mail(
                "password-reset",
                [to_email],
                title,
                render_to_string(template, context),
                render_to_string(html, context) if html else "",
            )


class SubmitForm(forms.Form):
    paper = forms.CharField(
        label="arXiv id or URL",
        max_length=300,
        widget=forms.TextInput(attrs={"placeholder": "2401.01234 or https://arxiv.org/abs/…"}),
    )
    comment = forms.CharField(
        label="Why it matters (optional)", max_length=500, required=False, widget=forms.Textarea
    )


class TokenForm(forms.Form):
    name = forms.CharField(max_length=100, label="Token name")


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.replace(",", "\n").splitlines() if line.strip()]


class SubscribeForm(forms.Form):
    email = forms.EmailField(max_length=254, label="Email address")
    frequency = forms.ChoiceField(
        choices=[("daily", "Daily"), ("weekly", "Weekly"), ("monthly", "Monthly")],
        initial="weekly",
        required=False,
    )
    topic = forms.CharField(
        max_length=500,
        required=False,
        label="Topic (optional)",
        help_text="Words or a search, e.g. <code>diffusion models for video</code> or "
        "<code>cat:cs.CL</code>. Leave empty for the period's top papers.",
    )


TIME_ZONE_HELP = "An IANA name such as <code>Europe/Paris</code> or <code>America/New_York</code>."


class PreferencesForm(forms.Form):
    frequency = forms.ChoiceField(
        choices=[("daily", "Daily, on weekdays"), ("weekly", "Weekly"), ("monthly", "Monthly")]
    )
    send_hour = forms.IntegerField(min_value=0, max_value=23, label="Hour to receive it (0-23)")
    time_zone = forms.CharField(max_length=64, help_text=TIME_ZONE_HELP)
    max_papers = forms.IntegerField(min_value=1, label="Papers per digest")
    include_top = forms.BooleanField(required=False, label="Include the period's top papers")
    topics = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text='One per line, in the search syntax: words, <code>"phrases"</code>, '
        "<code>cat:cs.CV</code>, <code>author:</code>. Matched by meaning too.",
    )
    exclude_categories = forms.CharField(
        required=False, label="Never include these categories", help_text="e.g. cs.CR, math"
    )
    exclude_keywords = forms.CharField(required=False, label="Never include these words")
    exclude_authors = forms.CharField(required=False, label="Never include these authors")
    for_you = forms.BooleanField(
        required=False,
        label="For you: papers like the ones you upvoted or collected",
        help_text="Needs an account with this address.",
    )
    following = forms.BooleanField(
        required=False,
        label="Following: new papers of the authors, categories and searches you follow",
        help_text="Needs an account with this address.",
    )
    send_empty = forms.BooleanField(required=False, label="Send a digest even when nothing matched")

    def __init__(self, *args, max_papers: int = 30, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["max_papers"] = forms.IntegerField(
            min_value=1, max_value=max_papers, label="Papers per digest"
        )

    @staticmethod
    def initial_for(subscription) -> dict:
        return {
            "frequency": subscription.frequency,
            "send_hour": subscription.send_hour,
            "time_zone": subscription.time_zone,
            "max_papers": subscription.max_papers,
            "include_top": subscription.include_top,
            "topics": "\n".join(subscription.topics),
            "exclude_categories": ", ".join(subscription.exclude_categories),
            "exclude_keywords": ", ".join(subscription.exclude_keywords),
            "exclude_authors": ", ".join(subscription.exclude_authors),
            "for_you": subscription.for_you,
            "following": subscription.following,
            "send_empty": subscription.send_empty,
        }

    def changes(self) -> dict:
        data = dict(self.cleaned_data)
        data["topics"] = [t.strip() for t in data["topics"].splitlines() if t.strip()]
        for field in ("exclude_categories", "exclude_keywords", "exclude_authors"):
            data[field] = _lines(data[field])
        return data
