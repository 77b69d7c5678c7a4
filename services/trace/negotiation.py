"""What a Digital Link's client asked for: a media type (Accept) and a language.

A phone that scans a label sends `Accept: text/html,...`; an app sends `application/json`; a
partner system asks for `application/ld+json` (EPCIS). Anything else (`*/*`, nothing) gets the
JSON apps have always had.
"""

from typing import Literal

from shared.errors import BadRequest

JSON, HTML, EPCIS = "application/json", "text/html", "application/ld+json"
OFFERS = (JSON, HTML, EPCIS)  # in this order when the client ranks them alike
Language = Literal["id", "en"]
LANGUAGES: tuple[Language, ...] = ("id", "en")


def preferred_media(accept: str | None) -> str:
    """The offer the client ranks highest, by q-value, then by how exactly its range names it."""
    ranges = [_media_range(part) for part in (accept or "*/*").split(",") if part.strip()]
    best, best_rank = JSON, (0.0, -1)
    for offer in OFFERS:
        rank = _quality(offer, ranges)
        if rank[0] > 0 and rank > best_rank:
            best, best_rank = offer, rank
    return best


def _media_range(part: str) -> tuple[str, float]:
    kind, *parameters = (piece.strip() for piece in part.split(";"))
    quality = 1.0
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "q":
            try:
                quality = max(0.0, min(1.0, float(value)))
            except ValueError:
                quality = 0.0
    return kind.lower(), quality


def _quality(offer: str, ranges: list[tuple[str, float]]) -> tuple[float, int]:
    """q of the most specific range matching the offer: exact (2), type/* (1), */* (0)."""
    kind = offer.split("/")[0]
    matches = [
        (exactness, quality)
        for media_range, quality in ranges
        for exactness, pattern in ((2, offer), (1, f"{kind}/*"), (0, "*/*"))
        if media_range == pattern
    ]
    if not matches:
        return 0.0, -1
    exactness, quality = max(matches)
    return quality, exactness


def preferred_language(lang: str | None, accept_language: str | None) -> Language:
    """`?lang=` wins; then the first of Indonesian or English the browser asks for; Indonesian."""
    if lang is not None:
        if lang not in LANGUAGES:
            raise BadRequest("lang", f"{lang[:8]!r} is not a language of this page: id or en")
        return "id" if lang == "id" else "en"
    ranked = sorted(
        (_media_range(part) for part in (accept_language or "").split(",") if part.strip()),
        key=lambda tag_quality: -tag_quality[1],
    )
    for tag, quality in ranked:
        primary = tag.split("-")[0]
        if quality > 0 and primary in ("id", "in"):  # "in": Indonesian's withdrawn code
            return "id"
        if quality > 0 and primary == "en":
            return "en"
    return "id"
