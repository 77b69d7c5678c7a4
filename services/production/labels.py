"""Label sheets of a completed batch: A4 pages of labels, each with the QR code of its GS1
Digital Link and what a person reads without a phone (product, UPT, GTIN, lot, serial).

Pure: label data in, PDF bytes out. The sheet is the common 21-up A4 label stock (3 x 7 labels
of 63.5 x 38.1 mm, as Avery L7160), so a workshop prints on ready-cut labels or on plain paper
along the light outlines. Only PDF core fonts (Helvetica) are used: nothing to download.
"""

import functools
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

import segno
from fpdf import FPDF

from services.production.catalogue import Origin
from shared.errors import Rejected
from shared.gs1 import digital_link

# A printer stops somewhere: a lot gets one label per piece up to this many (about 24 pages).
MAX_COPIES = 500
QUIET_ZONE_MODULES = 4  # the margin of light modules ISO/IEC 18004 asks around a QR code


@dataclass(frozen=True)
class Label:
    """One label: what its QR code links to and what it says in print."""

    link: str
    gtin: str
    lot: str
    serial: str | None
    product_name: str
    upt_name: str

    @property
    def human_readable(self) -> list[str]:
        """The identifiers as GS1 prints them under a barcode: (AI) value."""
        lines = [f"(01) {self.gtin}", f"(10) {self.lot}"]
        return [*lines, f"(21) {self.serial}"] if self.serial else lines


@dataclass(frozen=True)
class Sheet:
    """Label stock geometry, in millimetres."""

    page_width: float = 210.0
    page_height: float = 297.0
    columns: int = 3
    rows: int = 7
    label_width: float = 63.5
    label_height: float = 38.1
    left: float = 7.21
    top: float = 15.15
    column_pitch: float = 66.04  # label width plus the 2.54 mm gap between columns
    row_pitch: float = 38.1
    padding: float = 2.5
    # The QR code with its quiet zone of 4 modules: a Digital Link of up to 150 characters
    # (version 8) still makes a 25 mm symbol of 0.5 mm modules, for a phone at arm's length.
    qr_box: float = 30.0

    @property
    def per_page(self) -> int:
        return self.columns * self.rows

    def origin_of(self, index: int) -> tuple[float, float]:
        """Top-left corner of the index-th label on its page, filled row by row."""
        row, column = divmod(index % self.per_page, self.columns)
        return self.left + column * self.column_pitch, self.top + row * self.row_pitch


L7160 = Sheet()


def batch_labels(
    base_url: str, made: Origin, lot: str, serials: Sequence[str], copies: int | None, pieces: int
) -> list[Label]:
    """A label per unit of a unit-tracked batch; `copies` labels (default: one per piece,
    at most MAX_COPIES) of a lot-tracked one."""

    def label(serial: str | None) -> Label:
        link = digital_link(base_url, made.gtin, lot, serial)
        return Label(link, made.gtin, lot, serial, made.product_name, made.upt_name)

    if made.tracking == "unit":
        if copies is not None:
            raise Rejected("copies", "each unit of this batch gets one label, with its serial")
        return [label(serial) for serial in serials]
    count = min(pieces, MAX_COPIES) if copies is None else copies
    if not 1 <= count <= MAX_COPIES:
        raise Rejected("copies", f"print 1 to {MAX_COPIES} labels of a lot at a time")
    return [label(None)] * count


def render(labels: Sequence[Label], title: str, created: datetime, sheet: Sheet = L7160) -> bytes:
    """The PDF of the labels, as many pages as they fill. `created` is the document's date, so
    the same labels give the same bytes."""
    pdf = FPDF(unit="mm", format=(sheet.page_width, sheet.page_height))
    pdf.set_auto_page_break(False)  # every position is computed; never flow onto a new page
    pdf.set_creation_date(created)
    pdf.set_title(_latin1(title))
    pdf.set_creator("Jejak")
    pages = math.ceil(len(labels) / sheet.per_page)
    for index, label in enumerate(labels):
        if index % sheet.per_page == 0:
            pdf.add_page()
            _page_header(pdf, sheet, f"{title}   page {index // sheet.per_page + 1} of {pages}")
        x, y = sheet.origin_of(index)
        _draw_label(pdf, sheet, label, x, y)
    return bytes(pdf.output())


def _page_header(pdf: FPDF, sheet: Sheet, text: str) -> None:
    """In the top margin (the backing of label stock): which lot a loose page belongs to."""
    pdf.set_font("Helvetica", size=7)
    pdf.set_text_color(110)
    pdf.text(sheet.left, sheet.top / 2, _latin1(text))


def _draw_label(pdf: FPDF, sheet: Sheet, label: Label, x: float, y: float) -> None:
    """QR code on the left, centred in height; product and UPT at the top of the text column,
    the identifiers at its bottom, level with the symbol's edges."""
    pdf.set_draw_color(200)  # a light cutting guide for plain paper, faint on ready-cut stock
    pdf.set_line_width(0.1)
    pdf.rect(x, y, sheet.label_width, sheet.label_height)
    box_top = y + (sheet.label_height - sheet.qr_box) / 2
    quiet = _draw_qr(pdf, label.link, x + 1, box_top, sheet.qr_box)
    text_x = x + 1 + sheet.qr_box  # the quiet zone keeps the text off the symbol
    width = x + sheet.label_width - sheet.padding - text_x
    pdf.set_text_color(0)
    baseline = box_top + quiet + 2.6
    baseline = _write(pdf, label.product_name, text_x, baseline, width, ("B", 8.0, 3.4))
    _write(pdf, label.upt_name, text_x, baseline + 0.6, width, ("", 6.5, 2.8))
    lines = label.human_readable
    baseline = box_top + sheet.qr_box - quiet - 0.4 - (len(lines) - 1) * 3.0
    for line in lines:
        pdf.set_font("Helvetica", size=_fitting_size(pdf, line, width, 7.0))
        pdf.text(text_x, baseline, _latin1(line))
        baseline += 3.0


def _write(
    pdf: FPDF, text: str, x: float, baseline: float, width: float, font: tuple[str, float, float]
) -> float:
    """Up to two lines of `text` from this baseline; returns the baseline after them."""
    style, size, leading = font
    pdf.set_font("Helvetica", style=style, size=size)
    for line in _wrapped(pdf, _latin1(text), width, max_lines=2):
        pdf.text(x, baseline, line)
        baseline += leading
    return baseline


def _wrapped(pdf: FPDF, text: str, width: float, max_lines: int) -> list[str]:
    """Word-wrapped to the width in the current font; a longer text (or word) ends in '...'
    rather than running into the identifiers below or the next label."""
    lines: list[str] = []
    for word in text.split():
        if lines and pdf.get_string_width(f"{lines[-1]} {word}") <= width:
            lines[-1] += f" {word}"
        else:
            lines.append(word)
    cut = len(lines) > max_lines
    kept = lines[:max_lines]
    return [_shortened(pdf, line, width, cut and n == len(kept) - 1) for n, line in enumerate(kept)]


def _shortened(pdf: FPDF, line: str, width: float, cut: bool) -> str:
    if not cut and pdf.get_string_width(line) <= width:
        return line
    while line and pdf.get_string_width(line.rstrip() + "...") > width:
        line = line[:-1]
    return line.rstrip() + "..."


def _fitting_size(pdf: FPDF, text: str, width: float, size: float) -> float:
    """The font size, at most `size`, at which one line of text fits the width: identifiers
    are never cut, an unusually long (legacy) serial is printed smaller."""
    pdf.set_font("Helvetica", size=size)
    return min(size, size * width / max(pdf.get_string_width(text), 1e-6))


def _draw_qr(pdf: FPDF, link: str, x: float, y: float, box: float) -> float:
    """The QR code filling the square box with its quiet zone; returns the zone's width.

    Vector squares stay sharp at any printer resolution. Error correction is M at least
    (segno raises it when the same symbol size allows)."""
    modules, runs = _qr_runs(link)
    module = box / (modules + 2 * QUIET_ZONE_MODULES)
    quiet = QUIET_ZONE_MODULES * module
    pdf.set_fill_color(0)
    for row, start, length in runs:
        # A hair taller than a module, so anti-aliased viewers show no seams between rows.
        left, top = x + quiet + start * module, y + quiet + row * module
        pdf.rect(left, top, length * module, module * 1.02, style="F")
    return quiet


@functools.lru_cache(maxsize=8)
def _qr_runs(link: str) -> tuple[int, tuple[tuple[int, int, int], ...]]:
    """The symbol's size in modules and its dark runs (row, start, length). Choosing the mask
    is most of the work, and a lot's labels all carry the same link: encode it once."""
    matrix = segno.make(link, error="m", micro=False).matrix
    runs = tuple((row, *run) for row, line in enumerate(matrix) for run in _dark_runs(line))
    return len(matrix), runs


def _dark_runs(row: Sequence[int]) -> Iterator[tuple[int, int]]:
    """(start, length) of each run of dark modules: one rectangle per run, not per module."""
    start = None
    for column, dark in enumerate([*row, 0]):
        if dark and start is None:
            start = column
        elif not dark and start is not None:
            yield start, column - start
            start = None


def _latin1(text: str) -> str:
    """Core PDF fonts know Latin-1 only: anything else prints as '?' instead of failing."""
    return text.encode("latin-1", "replace").decode("latin-1")
