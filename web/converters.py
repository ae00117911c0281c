"""URL converters for the site's date-addressed pages."""

import datetime as dt

from community.periods import check_day


class IsoDateConverter:
    """YYYY-MM-DD in URLs; impossible dates, and days outside the years lists can be
    about, don't match, so they are 404s."""

    regex = r"\d{4}-\d{2}-\d{2}"

    def to_python(self, value: str) -> dt.date:
        return check_day(dt.date.fromisoformat(value))  # ValueError means "no match"

    def to_url(self, value: dt.date) -> str:
        return value.isoformat()
