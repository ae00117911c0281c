"""People and the daily lists: accounts and the papers listed on each day."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.contrib.auth.validators import ASCIIUsernameValidator
from django.db import models
from django.urls import reverse

from catalog.models import ImportRun, Paper


class User(AbstractUser):
    """A member. Placeholders stand for imported submitters and cannot log in until claimed.

    User names are ASCII letters, digits and @.+-_ only, so `probe_\u0430lice` (a Cyrillic a)
    cannot pose as `probe_alice`; sign-up also refuses a name that differs from an existing
    one only in case."""

    username_validator = ASCIIUsernameValidator()
    username = models.CharField(
        "username",
        max_length=150,
        unique=True,
        help_text="Required. 150 characters or fewer: ASCII letters, digits and @.+-_ only.",
        validators=[username_validator],
        error_messages={"unique": "A member with this user name already exists."},
    )

    display_name = models.CharField(max_length=150, blank=True)
    is_placeholder = models.BooleanField(
        default=False, help_text="Imported submitter; cannot log in until an admin claims it."
    )
    hf_username = models.CharField(
        max_length=150, blank=True, null=True, unique=True, help_text="Hugging Face user name."
    )
    email_verified_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.display_name or self.username


class DailyListing(models.Model):
    """A paper shown on the daily list of one day, with who submitted it."""

    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="listings")
    listed_on = models.DateField(db_index=True)
    submitted_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="listings"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    imported_upvotes = models.PositiveIntegerField(
        default=0, help_text="Upvotes counted by the source when imported (not Upvote rows)."
    )
    imported_comments = models.PositiveIntegerField(default=0)
    source = models.CharField(max_length=32, blank=True)
    submitter_comment = models.CharField(max_length=500, blank=True)
    featured = models.BooleanField(default=False, help_text="Pinned to the top by a curator.")
    hidden = models.BooleanField(default=False, help_text="Hidden from lists by a curator.")
    source_fingerprint = models.CharField(max_length=32, blank=True)
    imported_by_run = models.ForeignKey(
        ImportRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-listed_on", "-imported_upvotes"]
        constraints = [
            models.UniqueConstraint(fields=["paper", "listed_on"], name="listing_once_a_day")
        ]

    def __str__(self) -> str:
        return f"{self.paper.arxiv_id} on {self.listed_on}"


class Upvote(models.Model):
    """One member's upvote of a paper. The count shown is always the number of these rows
    (plus the separate imported baseline)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="upvotes")
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="upvotes")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "paper"], name="one_upvote_each")]

    def __str__(self) -> str:
        return f"{self.user} ▲ {self.paper.arxiv_id}"


class Comment(models.Model):
    """A comment on a paper, or a reply to one (one level deep). Markdown is kept as
    written; the sanitised HTML is rendered once, when the text changes."""

    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="discussion")
    author = models.ForeignKey(User, on_delete=models.CASCADE, related_name="comments")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    body = models.TextField(max_length=10_000)
    body_html = models.TextField(editable=False)
    created = models.DateTimeField(auto_now_add=True)
    edited = models.DateTimeField(null=True, blank=True)
    deleted = models.BooleanField(default=False)
    hidden = models.BooleanField(default=False, help_text="Hidden by a curator.")

    class Meta:
        ordering = ["created"]
        indexes = [models.Index(fields=["paper", "created"])]

    def __str__(self) -> str:
        return f"{self.author} on {self.paper.arxiv_id}"

    @property
    def visible(self) -> bool:
        return not (self.deleted or self.hidden)


class ApiToken(models.Model):
    """A personal API token. Only a hash is stored; the token is shown once, at creation."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, help_text="First characters, to recognise it.")
    key_hash = models.CharField(max_length=64, unique=True)
    created = models.DateTimeField(auto_now_add=True)
    last_used = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class Submission(models.Model):
    """A member's submission of a paper the catalogue does not have yet. The request only
    records it; `paperboy worker` fetches the paper from arXiv and then lists it under the
    usual rules, so no web request ever waits on arXiv."""

    class Status(models.TextChoices):
        FETCHING = "fetching", "Fetching from arXiv"
        LISTED = "listed", "Listed"
        REFUSED = "refused", "Refused"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="submissions")
    arxiv_id = models.CharField(max_length=32)
    comment = models.CharField(max_length=500, blank=True)
    status = models.CharField(max_length=10, choices=Status, default=Status.FETCHING)
    message = models.CharField(max_length=300, blank=True)
    listing = models.ForeignKey(
        DailyListing, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)
    finished = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "arxiv_id"],
                condition=models.Q(status="fetching"),
                name="one_fetch_per_member_and_paper",
            )
        ]
        indexes = [models.Index(fields=["user", "status"])]

    def __str__(self) -> str:
        return f"{self.arxiv_id} by {self.user} ({self.status})"


class Collection(models.Model):
    """A member's named list of papers: private, or public with a page and a feed."""

    owner = models.ForeignKey(User, on_delete=models.CASCADE, related_name="collections")
    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100)
    description = models.TextField(blank=True, max_length=2000)
    public = models.BooleanField(default=False)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["owner", "slug"], name="collection_slug_per_owner")
        ]
        ordering = ["-updated", "-pk"]

    def __str__(self) -> str:
        return f"{self.owner}/{self.slug}"

    def get_absolute_url(self) -> str:
        return reverse("web:collection", args=[self.owner.username, self.slug])


class CollectionItem(models.Model):
    """A paper in a collection, at a place the owner chose, with the owner's note."""

    collection = models.ForeignKey(Collection, on_delete=models.CASCADE, related_name="items")
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="collected_in")
    note = models.TextField(blank=True, max_length=2000)
    position = models.PositiveIntegerField(default=0)
    added = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["collection", "paper"], name="paper_once_per_collection"
            )
        ]
        ordering = ["position", "added", "pk"]

    def __str__(self) -> str:
        return f"{self.paper_id} in {self.collection_id}"


class CitationImport(models.Model):
    """A BibTeX or RIS file a member imports into one of their collections.

    The request reads the file and keeps its entries; `paperboy worker` matches them to the
    catalogue, fetches the missing arXiv papers, adds what it found and writes the report
    (community/services/citation_imports.py). Running it again after a crash redoes the
    same work without duplicates."""

    class Status(models.TextChoices):
        QUEUED = "queued"
        DONE = "done"

    collection = models.ForeignKey(Collection, on_delete=models.CASCADE, related_name="imports")
    owner = models.ForeignKey(User, on_delete=models.CASCADE, related_name="citation_imports")
    filename = models.CharField(max_length=255, blank=True)
    format = models.CharField(max_length=10)  # BibTeX or RIS
    entries = models.JSONField(default=list)  # what the file cited, in its order
    unreadable = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    report = models.JSONField(default=list)  # one outcome per entry, in the file's order
    created = models.DateTimeField(auto_now_add=True)
    finished = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created", "-pk"]

    def __str__(self) -> str:
        return f"{self.filename or self.format} into {self.collection_id}"

    def counts(self) -> dict[str, int]:
        """How many entries were matched, fetched from arXiv, or not found."""
        found = {"matched": 0, "fetched": 0, "not_found": 0}
        for outcome in self.report:
            key = outcome["outcome"].replace(" ", "_")
            found[key] = found.get(key, 0) + 1
        return found


class Follow(models.Model):
    """Something a member follows: an author, a category (or a whole archive such as `cs`),
    or a saved search (a query in the search language). /following shows the newest papers
    of all of them, and a digest or a webhook can carry them."""

    class Kind(models.TextChoices):
        AUTHOR = "author", "Author"
        CATEGORY = "category", "Category"
        SEARCH = "search", "Saved search"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="follows")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    author = models.ForeignKey(
        "catalog.Author", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    category = models.CharField(max_length=32, blank=True)  # "cs.CL", or an archive, "cs"
    query = models.CharField(max_length=300, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "author"],
                condition=models.Q(kind="author"),
                name="follow_author_once",
            ),
            models.UniqueConstraint(
                fields=["user", "category"],
                condition=models.Q(kind="category"),
                name="follow_category_once",
            ),
            models.UniqueConstraint(
                fields=["user", "query"],
                condition=models.Q(kind="search"),
                name="follow_search_once",
            ),
        ]
        indexes = [models.Index(fields=["kind", "author"])]
        ordering = ["kind", "created", "pk"]

    def __str__(self) -> str:
        return f"{self.user_id} follows {self.kind} {self.label()}"

    def label(self) -> str:
        if self.kind == self.Kind.AUTHOR:
            return self.author.name if self.author else "?"
        return self.category if self.kind == self.Kind.CATEGORY else self.query


class AuthorClaim(models.Model):
    """A member saying "this author record is me". Curators approve or reject it (in the
    admin, or on the author page); an approved claim shows the member on the author page,
    and, if the member opted in, they hear when one of their papers is listed or trends."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for a curator"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    author = models.ForeignKey("catalog.Author", on_delete=models.CASCADE, related_name="claims")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="author_claims")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    message = models.CharField(max_length=500, blank=True, help_text="What the member said.")
    notify = models.BooleanField(
        default=False,
        help_text="Mail the member when one of the author's papers is listed or trends.",
    )
    created = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["author", "user"], name="claim_author_once"),
            models.UniqueConstraint(
                fields=["author"],
                condition=models.Q(status="approved"),
                name="one_approved_claim_per_author",
            ),
        ]
        indexes = [models.Index(fields=["status", "created"])]
        ordering = ["-created", "-pk"]

    def __str__(self) -> str:
        return f"{self.user} claims {self.author_id} ({self.status})"


class AuthorNotice(models.Model):
    """A mail to a claimed author that one of their papers was listed or is trending: at
    most one per claim, paper and reason, whatever the number of rounds or workers."""

    class Reason(models.TextChoices):
        LISTED = "listed", "Listed"
        TRENDING = "trending", "Trending"

    claim = models.ForeignKey(AuthorClaim, on_delete=models.CASCADE, related_name="notices")
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=10, choices=Reason.choices)
    created = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["claim", "paper", "reason"], name="author_notice_once")
        ]
        indexes = [models.Index(fields=["sent_at", "attempts"])]

    def __str__(self) -> str:
        return f"{self.reason} {self.paper_id} to claim {self.claim_id}"
