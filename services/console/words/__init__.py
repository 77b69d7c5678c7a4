"""The console's words by area of the console, one module each (each page module's words
beside its own kind); i18n.py joins them. A key belongs to one area only."""

from services.console.words import (
    common,
    gallery,
    identities,
    kanwil,
    master,
    ops,
    permits,
    qc,
    recall,
    receipts,
    tablet,
    upt,
)
from services.console.words.kinds import Words

AREAS: tuple[Words, ...] = (
    common.WORDS,
    qc.WORDS,
    tablet.WORDS,
    gallery.WORDS,
    recall.WORDS,
    receipts.WORDS,
    kanwil.WORDS,
    upt.WORDS,
    identities.WORDS,
    ops.WORDS,
    master.WORDS,
    permits.WORDS,
)
