"""The public HTTP API (django-ninja): one module per resource, mounted at /api/."""
