"""Forms for the site's pages."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm, UserCreationForm

from community.models import User
from paperboy.ratelimit import allow, client_address


class SignUpForm(UserCreationForm):
    email = forms.EmailField(required=True, help_text="We send a link to confirm it.")

    class Meta:
        model = User
        fields = ("username", "email")

    def clean_email(self) -> str:
        email = User.objects.normalize_email(self.cleaned_data["email"]).lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError("An account with this email address already exists.")
        return email


class RateLimitedLoginForm(AuthenticationForm):
    """Login that refuses, for 15 minutes, after PAPERBOY_RATE_LOGIN attempts per address
    and user name."""

    def clean(self):
        identity = f"{client_address(self.request)}|{self.data.get('username', '').lower()}"
        if not allow("login", identity, settings.PAPERBOY_RATE_LOGIN, 15 * 60):
            raise forms.ValidationError(
                "Too many login attempts. Wait 15 minutes and try again.", code="rate_limited"
            )
        return super().clean()


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
