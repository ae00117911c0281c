"""Operations records that belong to no domain: which background workers are alive."""

from __future__ import annotations

from django.db import models


class WorkerHeartbeat(models.Model):
    """A `paperboy worker` process saying it is alive, every few seconds. A task it claimed
    is handed to another worker once its heartbeat is older than the lease (it was killed,
    or its machine went away): see paperboy/leases.py."""

    worker_id = models.CharField(max_length=64, unique=True)
    beat_at = models.DateTimeField(db_index=True)
    started_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.worker_id} at {self.beat_at:%H:%M:%S}"


class ScheduledRun(models.Model):
    """One run of a scheduled job for one slot of its period (the 5-minute round, the day):
    the unique constraint lets exactly one of several schedulers queue it."""

    job = models.CharField(max_length=100)
    slot = models.BigIntegerField(help_text="Which period: seconds since 1970 // period.")
    queued_at = models.DateTimeField(auto_now_add=True, db_index=True)
    skipped = models.BooleanField(default=False, help_text="The previous run had not finished.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job", "slot"], name="one_run_a_slot")]

    def __str__(self) -> str:
        return f"{self.job} #{self.slot}"


class OutboxMail(models.Model):
    """A mail a request wants sent (address confirmations, password resets): written in
    the request's transaction and sent by the queue, so a mail server that is down or slow
    loses nothing and holds up no page (paperboy/outbox.py)."""

    class Status(models.TextChoices):
        PENDING = "pending"
        SENDING = "sending"
        SENT = "sent"
        FAILED = "failed"

    kind = models.CharField(max_length=40)
    to = models.JSONField()
    subject = models.CharField(max_length=300)
    body = models.TextField()
    html = models.TextField(blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.kind} to {', '.join(self.to)} ({self.status})"
