"""Placeholder accounts for people known only from imported data."""

from __future__ import annotations

from collections.abc import Iterable

from community.models import User


def placeholder_users(people: Iterable[tuple[str, str]]) -> dict[str, int]:
    """Ids of the accounts for these (Hugging Face username, full name) pairs, creating
    placeholders that cannot log in for the ones not seen before."""
    wanted = dict(people)
    if not wanted:
        return {}
    found = dict(User.objects.filter(hf_username__in=wanted).values_list("hf_username", "pk"))
    missing = [name for name in wanted if name not in found]
    if missing:
        taken = set(User.objects.filter(username__in=missing).values_list("username", flat=True))
        users = []
        for name in missing:
            user = User(
                username=name if name not in taken else f"hf_{name}"[:150],
                hf_username=name,
                display_name=wanted[name] or name,
                is_placeholder=True,
            )
            user.set_unusable_password()
            users.append(user)
        User.objects.bulk_create(users, ignore_conflicts=True)
        found.update(User.objects.filter(hf_username__in=missing).values_list("hf_username", "pk"))
    return found
