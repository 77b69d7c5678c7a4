"""The console's words, Indonesian first and English by the switch (`?lang=` or the cookie it
sets). Every text a page shows is in words/, under one key with both languages side by side
(one module per area of the console); a test checks that every key a page asks for exists."""

from collections.abc import Callable
from typing import Literal, get_args

from fastapi import Request

from services.console.words import AREAS
from services.console.words.kinds import Words

Language = Literal["id", "en"]
LANGUAGES: tuple[Language, ...] = get_args(Language)
LANGUAGE_COOKIE = "jejak_lang"


def _joined(areas: tuple[Words, ...]) -> dict[Language, dict[str, str]]:
    """Each language's texts by key, from every area's pairs; a key twice is a mistake."""
    joined: dict[Language, dict[str, str]] = {language: {} for language in LANGUAGES}
    for words in areas:
        for key, texts in words.items():
            if key in joined["id"]:
                raise ValueError(f"the console's word {key!r} is in two areas")
            for language, text in zip(LANGUAGES, texts, strict=True):
                joined[language][key] = text
    return joined


MESSAGES: dict[Language, dict[str, str]] = _joined(AREAS)


def language_of(request: Request) -> Language:
    """`?lang=` first (the switch's link), then the cookie it left, else Indonesian."""
    for asked in (request.query_params.get("lang"), request.cookies.get(LANGUAGE_COOKIE)):
        if asked in LANGUAGES:
            return asked
    return "id"


Translate = Callable[..., str]  # t("key", name=value) -> the text


def translator(language: Language) -> Translate:
    """t("key", name=value): the text in `language`, with its {name} fields filled."""
    words = MESSAGES[language]

    def t(key: str, **fields: object) -> str:
        text = words[key]
        return text.format(**fields) if fields else text

    return t
