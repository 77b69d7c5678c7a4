"""Rows of a pydantic model as a table: CSV or XLSX, read and written, for master data that
people keep in spreadsheets (production's catalogue; later locations and channels).

One column per field, named by its alias when it has one (`class`), in the model's order. A
cell holds the field's JSON value as text; a list is its items joined by commas; an empty cell
is a missing value (the field's default applies). Reading checks every row before it answers
and reports every problem with its row number as a spreadsheet shows it (the header is row 1),
its column and the reason, so that a file is fixed in one go.

No cell is written that a spreadsheet would run: a text starting with =, +, -, @, a tab or a
carriage return (a formula, or what Excel and LibreOffice take for one) is written with an
apostrophe before it, in CSV and XLSX alike, so `=HYPERLINK(...)` shows as the text it is.
Reading takes the apostrophe off again (a cell "'=x" is the text "=x"), so a table exported
and imported again is unchanged. Cells are read as values, never as formulas: an XLSX formula
cell is read as the value it last showed (openpyxl's data_only), which the model then checks.
"""

import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import IO, Annotated, Literal, TypeVar, get_args, get_origin
from zipfile import BadZipFile

from openpyxl import Workbook, load_workbook
from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)
Format = Literal["csv", "xlsx"]
FORMATS: tuple[Format, ...] = ("csv", "xlsx")
LIST_SEPARATOR = ","
HEADER_ROW = 1
# What spreadsheets start a formula with (OWASP's list for CSV injection), and the escape.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
ESCAPE = "'"


@dataclass(frozen=True)
class RowError:
    row: int  # as a spreadsheet numbers it: the header is row 1
    column: str | None  # None: the row as a whole
    reason: str

    def __str__(self) -> str:
        where = f"row {self.row}" + (f", {self.column}" if self.column else "")
        return f"{where}: {self.reason}"


class TableErrors(ValueError):
    """Every problem of a table; nothing of it should be used."""

    def __init__(self, errors: Sequence[RowError]) -> None:
        self.errors = list(errors)
        rows = len({error.row for error in self.errors})
        super().__init__(f"{rows} row(s) are not valid:\n" + "\n".join(map(str, self.errors)))


def format_of(path: Path, given: Format | None = None) -> Format:
    """The given format, else the file's extension."""
    if given is not None:
        return given
    suffix = path.suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        raise ValueError(f"{path}: say --format csv or xlsx (the extension {suffix!r} does not)")
    return suffix


def columns(model: type[BaseModel]) -> list[str]:
    return [info.alias or name for name, info in model.model_fields.items()]


def _scalar_columns(model: type[BaseModel]) -> dict[str, type]:
    """Columns of integers and of flags (int | None too): their cells are turned into the JSON
    value before validation, which is strict about both (shared/inputs.py)."""
    kinds: dict[str, type] = {}
    for name, info in model.model_fields.items():
        candidates = [info.annotation, *get_args(info.annotation)]  # X | None too
        candidates = [  # StrictInt | None: Annotated[int, Strict()] inside
            get_args(c)[0] if get_origin(c) is Annotated else c for c in candidates
        ]
        for kind in (bool, int):  # bool first: a bool is an int to Python
            if kind in candidates:
                kinds[info.alias or name] = kind
                break
    return kinds


def _scalar(text: str, kind: type) -> object:
    """A cell of an integer or flag column as that JSON value; text that is neither stays text,
    for the model to refuse by the column's name."""
    if kind is bool and text.lower() in ("true", "false"):
        return text.lower() == "true"
    if kind is int and re.fullmatch(r"[+-]?\d{1,19}", text):
        return int(text)
    return text


def _list_columns(model: type[BaseModel]) -> set[str]:
    lists = set()
    for name, info in model.model_fields.items():
        annotation = info.annotation
        candidates = [annotation, *get_args(annotation)]  # list[X] | None too
        if any(get_origin(c) in (list, tuple, set, frozenset) for c in candidates):
            lists.add(info.alias or name)
    return lists


# ------------------------------------------------------------------ writing


def cells(row: BaseModel) -> list[str | int | float | None]:
    """A row's cells: numbers stay numbers (a spreadsheet sums them), the rest is text, never
    one a spreadsheet would run (`inert`)."""
    values = row.model_dump(mode="json", by_alias=True)
    out: list[str | int | float | None] = []
    for value in values.values():
        if isinstance(value, list):
            out.append(inert(LIST_SEPARATOR.join(str(item) for item in value)))
        elif isinstance(value, bool):
            out.append("true" if value else "false")
        elif isinstance(value, str):
            out.append(inert(value))
        elif value is None or isinstance(value, (int, float)):
            out.append(value)
        else:
            out.append(inert(str(value)))
    return out


def inert(text: str) -> str:
    """Text a spreadsheet shows rather than runs: an apostrophe before a formula's start (and
    before a text that already starts with one, so that reading gives back exactly `text`)."""
    if text.startswith(FORMULA_STARTS) or (
        text.startswith(ESCAPE) and text[1:].startswith((*FORMULA_STARTS, ESCAPE))
    ):
        return ESCAPE + text
    return text


def _unescaped(text: str) -> str:
    """A cell as written by `inert`, back to its text."""
    if text.startswith(ESCAPE) and text[1:].startswith((*FORMULA_STARTS, ESCAPE)):
        return text[1:]
    return text


def write_csv(rows: Iterable[BaseModel], model: type[BaseModel], stream: IO[str]) -> int:
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(columns(model))
    count = 0
    for row in rows:
        writer.writerow(["" if cell is None else cell for cell in cells(row)])
        count += 1
    return count


def write_xlsx(rows: Iterable[BaseModel], model: type[BaseModel], stream: IO[bytes]) -> int:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(model.__name__)
    sheet.append(columns(model))
    count = 0
    for row in rows:
        sheet.append(cells(row))
        count += 1
    book.save(stream)
    return count


def write(rows: Iterable[BaseModel], model: type[BaseModel], path: Path, fmt: Format) -> int:
    """Write the rows to a file; returns how many."""
    if fmt == "csv":
        with path.open("w", encoding="utf-8", newline="") as text:
            return write_csv(rows, model, text)
    with path.open("wb") as binary:
        return write_xlsx(rows, model, binary)


def to_bytes(rows: Iterable[BaseModel], model: type[BaseModel], fmt: Format) -> bytes:
    if fmt == "csv":
        text = io.StringIO()
        write_csv(rows, model, text)
        return text.getvalue().encode()
    binary = io.BytesIO()
    write_xlsx(rows, model, binary)
    return binary.getvalue()


# ------------------------------------------------------------------ reading


def _text(value: object) -> str:
    """A cell as text: XLSX numbers without a spurious .0, dates as ISO."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return str(value).strip()


def _csv_rows(data: bytes) -> Iterator[list[str]]:
    text = data.decode("utf-8-sig")  # Excel writes a byte order mark
    yield from csv.reader(io.StringIO(text))


def _xlsx_rows(data: bytes) -> Iterator[list[str]]:
    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        sheet = book.worksheets[0]
        for values in sheet.iter_rows(values_only=True):
            yield [_text(value) for value in values]
    finally:
        book.close()


def read_numbered(
    data: bytes, model: type[M], fmt: Format, on_row: Callable[[int], None] | None = None
) -> list[tuple[int, M]]:
    """Every row of the table as the model, with its row number; TableErrors with every
    problem otherwise. `on_row` hears each row number as it is checked (progress)."""
    try:
        raw = _csv_rows(data) if fmt == "csv" else _xlsx_rows(data)
        header = [cell.strip() for cell in next(raw, [])]
    except (UnicodeDecodeError, csv.Error, OSError, KeyError, ValueError, BadZipFile) as exc:
        raise TableErrors([RowError(HEADER_ROW, None, f"not a {fmt} table: {exc}")]) from None
    _check_header(header, model)
    lists = _list_columns(model)
    scalars = _scalar_columns(model)
    parsed: list[tuple[int, M]] = []
    errors: list[RowError] = []
    for number, values in enumerate(raw, start=HEADER_ROW + 1):
        if on_row is not None:
            on_row(number)
        texts = [_unescaped(_text(value)) for value in values]
        if not any(texts):
            continue  # a blank line
        if len(texts) > len(header) and any(texts[len(header) :]):
            errors.append(RowError(number, None, f"{len(texts)} cells for {len(header)} columns"))
            continue
        record: dict[str, object] = {}
        for column, text in zip(header, texts, strict=False):
            if text == "":
                continue
            if column in lists:
                record[column] = _split(text)
            elif column in scalars:
                record[column] = _scalar(text, scalars[column])
            else:
                record[column] = text
        try:
            parsed.append((number, model.model_validate(record)))
        except ValidationError as invalid:
            errors.extend(
                RowError(number, str(e["loc"][0]) if e["loc"] else None, e["msg"])
                for e in invalid.errors()
            )
    if errors:
        raise TableErrors(errors)
    return parsed


def read_bytes(data: bytes, model: type[M], fmt: Format) -> list[M]:
    return [row for _number, row in read_numbered(data, model, fmt)]


def read(path: Path, model: type[M], fmt: Format | None = None) -> list[M]:
    return read_bytes(path.read_bytes(), model, format_of(path, fmt))


def _split(text: str) -> list[str]:
    return [item.strip() for item in text.split(LIST_SEPARATOR) if item.strip()]


def _check_header(header: list[str], model: type[BaseModel]) -> None:
    known = columns(model)
    problems = [RowError(HEADER_ROW, c, "unknown column") for c in header if c not in known]
    problems += [
        RowError(HEADER_ROW, name, "the same column twice")
        for name in sorted({c for c in header if header.count(c) > 1})
    ]
    required = [
        info.alias or name for name, info in model.model_fields.items() if info.is_required()
    ]
    problems += [RowError(HEADER_ROW, c, "column missing") for c in required if c not in header]
    if problems:
        raise TableErrors(problems)
