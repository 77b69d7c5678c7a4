"""What a Digital Link's client gets: by Accept and by language."""

import pytest

from services.trace.negotiation import (
    EPCIS,
    HTML,
    JSON,
    preferred_language,
    preferred_media,
)
from shared.errors import BadRequest

CHROME = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"


@pytest.mark.parametrize(
    ("accept", "media"),
    [
        (CHROME, HTML),
        ("application/json", JSON),
        ("application/ld+json", EPCIS),
        ("application/ld+json, application/json;q=0.5", EPCIS),
        ("text/html;q=0.4, application/json", JSON),
        ("*/*", JSON),
        (None, JSON),
        ("", JSON),
        ("application/*", JSON),
        ("text/*", HTML),
        ("image/png", JSON),  # nothing acceptable: the JSON apps always had
        ("text/html;q=0, */*", JSON),
        ("text/html;q=nonsense, application/ld+json;q=0.1", EPCIS),
    ],
)
def test_the_client_gets_the_form_it_ranks_highest(accept: str | None, media: str) -> None:
    assert preferred_media(accept) == media


@pytest.mark.parametrize(
    ("lang", "accept_language", "language"),
    [
        (None, None, "id"),
        (None, "en-US,en;q=0.9", "en"),
        (None, "id-ID,id;q=0.9,en-US;q=0.8,en;q=0.7", "id"),
        (None, "en;q=0.5, id", "id"),
        (None, "fr-FR, en;q=0.8", "en"),
        (None, "fr-FR", "id"),
        (None, "in", "id"),
        ("en", "id-ID", "en"),
        ("id", "en-US", "id"),
    ],
)
def test_indonesian_first_english_when_asked(
    lang: str | None, accept_language: str | None, language: str
) -> None:
    assert preferred_language(lang, accept_language) == language


def test_a_language_the_page_does_not_have_is_refused_with_the_reason() -> None:
    with pytest.raises(BadRequest, match="lang: 'fr' is not a language of this page: id or en"):
        preferred_language("fr", None)
