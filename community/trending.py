"""The trending score: upvotes that decay with age, plus a term for GitHub stars.

    score = (upvotes + stars_weight * log10(1 + github_stars)) / (age_hours + 2) ** gravity

`age_hours` counts from the start of the listing day to the moment trending is computed.
With the defaults (gravity 1.5, stars weight 2) a paper with 100 upvotes listed two days ago
ranks with one that has about 35 today; 10,000 GitHub stars are worth 8 upvotes.
This module is pure: no database, no settings; callers pass the parameters.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class TrendingParams:
    gravity: float = 1.5
    stars_weight: float = 2.0


def trending_score(
    upvotes: int, github_stars: int | None, age_hours: float, params: TrendingParams
) -> float:
    """Higher is hotter. Negative ages (clock skew) count as zero."""
    stars_term = params.stars_weight * math.log10(1 + max(github_stars or 0, 0))
    return (max(upvotes, 0) + stars_term) / (max(age_hours, 0.0) + 2.0) ** params.gravity
