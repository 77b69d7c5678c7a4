"""shared/tabular.py: rows of any pydantic model to and from CSV and XLSX, every bad row named."""

import csv
import io
from pathlib import Path
from typing import Literal

import pytest
from openpyxl import Workbook, load_workbook
from pydantic import BaseModel, ConfigDict, Field

from services.production.catalogue import PRODUCTS, UPTS, WORKSHOPS
from services.production.master import ProductSpec, UptSpec, WorkshopSpec
from shared import tabular
from shared.imports import repeats
from shared.tabular import RowError, TableErrors


class Place(BaseModel):
    """A model of nothing in Jejak: the module knows no catalogue."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    code: str = Field(pattern=r"^[A-Z]{3}$")
    kind: Literal["store", "gallery"] = Field(alias="class")
    capacity: int | None = Field(None, ge=0)
    tags: list[str] = []
    open: bool = True


PLACES = [
    Place(code="SRG", kind="store", capacity=120, tags=["food", "crafts"]),
    Place(code="CLG", kind="gallery", open=False),
]


@pytest.mark.parametrize("fmt", tabular.FORMATS)
def test_rows_written_read_back_equal(tmp_path: Path, fmt: tabular.Format) -> None:
    path = tmp_path / f"places.{fmt}"

    assert tabular.write(PLACES, Place, path, fmt) == 2
    assert tabular.read(path, Place) == PLACES


def test_columns_are_the_fields_by_alias_and_a_list_is_one_cell() -> None:
    text = tabular.to_bytes(PLACES, Place, "csv").decode()

    assert text.splitlines() == [
        "code,class,capacity,tags,open",
        'SRG,store,120,"food,crafts",true',
        "CLG,gallery,,,false",
    ]


@pytest.mark.parametrize(
    ("model", "rows"),
    [(UptSpec, UPTS), (WorkshopSpec, WORKSHOPS), (ProductSpec, PRODUCTS)],
)
@pytest.mark.parametrize("fmt", tabular.FORMATS)
def test_the_seeded_catalogue_round_trips(
    model: type[UptSpec | WorkshopSpec | ProductSpec], rows: tuple[object, ...], fmt: tabular.Format
) -> None:
    specs = [model.model_validate(row) for row in rows]

    assert tabular.read_bytes(tabular.to_bytes(specs, model, fmt), model, fmt) == specs


def test_every_bad_row_is_reported_with_its_row_number_and_column() -> None:
    data = (
        b"code,class,capacity,open\n"
        b"SRG,store,12,true\n"  # row 2: good
        b"srg,museum,12,true\n"  # row 3: two problems
        b"\n"  # row 4: blank, skipped
        b"CLG,store,-1,perhaps\n"  # row 5: two more
        b"PDG,store,1,true,extra\n"  # row 6: a cell too many
    )

    with pytest.raises(TableErrors) as bad:
        tabular.read_bytes(data, Place, "csv")

    assert [(e.row, e.column) for e in bad.value.errors] == [
        (3, "code"),
        (3, "class"),
        (5, "capacity"),
        (5, "open"),
        (6, None),
    ]
    assert "row 3, code: String should match pattern" in str(bad.value)
    assert "3 row(s) are not valid" in str(bad.value)
    assert "row 6: 5 cells for 4 columns" in str(bad.value)


def test_unknown_missing_and_repeated_columns_are_named_in_the_header_row() -> None:
    with pytest.raises(TableErrors) as bad:
        tabular.read_bytes(b"code,colour,code\nSRG,red,SRG\n", Place, "csv")

    assert bad.value.errors == [
        RowError(1, "colour", "unknown column"),
        RowError(1, "code", "the same column twice"),
        RowError(1, "class", "column missing"),
    ]


def test_a_spreadsheets_numbers_and_booleans_read_as_their_values() -> None:
    """Cells typed in Excel are numbers and booleans, not text: 12.0 is 12, TRUE is true."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["code", "class", "capacity", "open"])
    sheet.append(["SRG", "store", 12.0, False])
    out = io.BytesIO()
    book.save(out)

    [place] = tabular.read_bytes(out.getvalue(), Place, "xlsx")

    assert (place.capacity, place.open) == (12, False)


def test_a_csv_with_excels_byte_order_mark_reads() -> None:
    [place] = tabular.read_bytes("\ufeffcode,class\nSRG,store\n".encode(), Place, "csv")

    assert place.code == "SRG"


def test_a_file_that_is_no_table_is_refused_in_one_error() -> None:
    with pytest.raises(TableErrors) as bad:
        tabular.read_bytes(b"not a workbook", Place, "xlsx")

    assert bad.value.errors[0].row == 1
    assert "not a xlsx table" in bad.value.errors[0].reason


def test_the_format_comes_from_the_extension_unless_given() -> None:
    assert tabular.format_of(Path("x.XLSX")) == "xlsx"
    assert tabular.format_of(Path("x.txt"), "csv") == "csv"
    with pytest.raises(ValueError, match="--format"):
        tabular.format_of(Path("x.txt"))


# (a product's name, its cell as written): an apostrophe before what a spreadsheet would run
FORMULAS = [
    ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
    ("+1+1", "'+1+1"),
    ("-2+3", "'-2+3"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("'=escaped already", "''=escaped already"),
    ("'", "'"),
    ("Kursi jati", "Kursi jati"),
]


@pytest.mark.parametrize(("name", "cell"), FORMULAS)
def test_an_export_never_writes_a_formula_and_its_import_gives_the_text_back(
    name: str, cell: str
) -> None:
    spec = ProductSpec.model_validate(PRODUCTS[0]).model_copy(update={"name": name})

    [_header, csv_cells] = csv.reader(
        io.StringIO(tabular.to_bytes([spec], ProductSpec, "csv").decode())
    )
    xlsx = tabular.to_bytes([spec], ProductSpec, "xlsx")
    sheet = load_workbook(io.BytesIO(xlsx)).worksheets[0]  # formulas as written, not values
    written = sheet.cell(row=2, column=2)

    assert csv_cells[1] == cell
    assert written.data_type == "s"
    assert written.value == cell
    for fmt in tabular.FORMATS:
        [read] = tabular.read_bytes(tabular.to_bytes([spec], ProductSpec, fmt), ProductSpec, fmt)
        assert read.name == name


def test_a_cell_of_an_integer_column_is_its_json_number_and_text_is_refused() -> None:
    table = b"code,class,capacity\nSRG,store,12\nCLG,store,twelve\nTGR,store,1.5\n"

    with pytest.raises(TableErrors) as bad:
        tabular.read_bytes(table, Place, "csv")

    assert [(e.row, e.column) for e in bad.value.errors] == [(3, "capacity"), (4, "capacity")]


def test_a_product_name_with_a_nul_in_a_csv_is_refused_with_its_row_and_column() -> None:
    spec = ProductSpec.model_validate(PRODUCTS[0])
    table = tabular.to_bytes([spec], ProductSpec, "csv").replace(spec.name.encode(), b"Kursi\0jati")

    with pytest.raises(TableErrors) as bad:
        tabular.read_bytes(table, ProductSpec, "csv")

    assert bad.value.errors == [RowError(2, "name", "contains a control character (U+0000)")]


def test_a_key_again_is_a_repeat_of_its_first_row() -> None:
    """shared/imports.repeats: what an import refuses as a key twice (the service among the
    rows of one request, the console across a whole file)."""
    assert repeats(["A", "B", "A", "C", "B", "A"]) == {2: 0, 4: 1, 5: 0}
    assert repeats([]) == {}
