"""The error community services raise when a rule says no."""


class NotAllowed(Exception):
    """A request broke a rule. The message is shown to the member as it is."""

    def __init__(self, message: str, *, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
