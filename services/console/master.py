"""The Kanwil administrator's master data: UPTs, workshops and products (production's
catalogue), locations (inventory's) and channels (sales'): a list of each, one entity's page
with the form that changes it (the owning service's PUT, by code), and a new one.

What a kind's rows are is the owning service's: the console names only the columns it shows
and sends (`Column`), and how each is typed in (text, a list, a flag, a whole number). Every
rule (a code's pattern, a UPT that exists, a GTIN that is free) is checked by the service and
its refusal shown next to the input it names.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Path, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field, create_model

from services.console.fields import Fields, Problem
from services.console.i18n import language_of, translator
from services.console.paging import Offset, Pager
from services.console.sessions import Console, ConsoleDep, Person, access_token, role
from services.console.upstream import NotFound
from services.console.views import render

router = APIRouter()
Kanwil = Annotated[Person, role("kanwil_admin")]
KindName = Annotated[str, Path(max_length=20)]
Key = Annotated[str, Path(max_length=40)]
LIST_LIMIT = 200  # a page of a list (at most sales' MAX_LIMIT, 500: it pages its channels)


@dataclass(frozen=True)
class Column:
    """A field of a kind's rows: its name in the API (and the import's header), how it is
    typed in, and whether a row must have it."""

    name: str
    type: Literal["text", "list", "flag", "count"] = "text"
    required: bool = True


@dataclass(frozen=True)
class Kind:
    """A kind of master data: the service owning it, its collection's path (GET lists it,
    GET/PUT `path/<key>` is one, POST `path/import` many), and its columns, key first."""

    name: str
    service: str
    path: str
    columns: tuple[Column, ...]
    key_in_body: bool = True  # the PUT body names the key again (production's) or not
    paged: bool = False  # GET answers a page (items, total)
    moves: bool = False  # the import knows allow_moves
    shown: tuple[str, ...] = ()  # read-only fields of the answer shown besides the columns
    listed: tuple[str, ...] = ()  # the columns of the list (a phone's width); empty: all

    @property
    def key(self) -> str:
        return self.columns[0].name

    @property
    def names(self) -> list[str]:
        return [column.name for column in self.columns]

    @property
    def list_columns(self) -> list[Column]:
        return [c for c in self.columns if not self.listed or c.name in self.listed]

    def item_path(self, key: str) -> str:
        return f"{self.path}/{quote(key, safe='')}"

    def page(self, key: str = "") -> str:
        return f"/kanwil/master/{self.name}" + (f"/{quote(key, safe='')}" if key else "")

    def row_model(self) -> type[BaseModel]:
        """A row of the import's table, for shared/tabular.py to read the file by: each column
        its JSON type (a list, a flag, a number), an empty cell left out (the service's
        default applies). What the values may be is the service's to check."""
        kinds: dict[str, Any] = {"text": str, "list": list[str], "flag": bool, "count": int}
        fields: dict[str, Any] = {
            f"c{index}": (
                kinds[c.type] if c.required else kinds[c.type] | None,
                Field(... if c.required else None, alias=c.name),
            )
            for index, c in enumerate(self.columns)
        }
        config = ConfigDict(extra="forbid")
        return create_model(f"{self.name}_row", __config__=config, **fields)


KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        Kind(
            "upts",
            "production",
            "/catalogue/upts",
            (Column("code"), Column("name"), Column("kind"), Column("class")),
        ),
        Kind(
            "workshops",
            "production",
            "/catalogue/workshops",
            (Column("code"), Column("upt_code"), Column("name"), Column("families", "list")),
        ),
        Kind(
            "products",
            "production",
            "/catalogue/products",
            (
                Column("sku"),
                Column("name"),
                Column("upt_code"),
                Column("family"),
                Column("tracking"),
                Column("unit_of_measure"),
                Column("price_idr", "count"),
                Column("gtin", required=False),
                Column("shelf_life_days", "count", required=False),
                Column("food_permit", required=False),
                Column("active", "flag", required=False),
            ),
            moves=True,
            shown=("label_gtin",),
            listed=("sku", "name", "upt_code", "price_idr", "active"),
        ),
        Kind(
            "locations",
            "inventory",
            "/locations",
            (
                Column("code"),
                Column("name"),
                Column("kind"),
                Column("address"),
                Column("owner"),
                Column("upt_code", required=False),
                Column("active", "flag", required=False),
            ),
            key_in_body=False,
            listed=("code", "name", "kind", "active"),
        ),
        Kind(
            "channels",
            "sales",
            "/channels",
            (
                Column("code"),
                Column("name"),
                Column("kind"),
                Column("locations", "list"),
                Column("active", "flag", required=False),
            ),
            key_in_body=False,
            paged=True,
        ),
    )
}


def kind_of(name: str) -> Kind:
    if name not in KINDS:
        raise HTTPException(404)
    return KINDS[name]


@router.get("/kanwil/master")
async def master_index(request: Request, _person: Kanwil) -> Response:
    """The kinds of master data, each a list to open."""
    return render(request, "master_index.html", kinds=KINDS)


@router.get("/kanwil/master/{name}")
async def master_list(
    request: Request, name: KindName, person: Kanwil, console: ConsoleDep, offset: Offset = 0
) -> Response:
    """The kind's entities, by key, LIST_LIMIT at a time from `offset`."""
    kind = kind_of(name)
    items, total = await _listed(console, await access_token(console, person), kind, offset)
    pager = Pager(offset, LIST_LIMIT, total)
    return render(request, "master_list.html", kind=kind, items=items, total=total, pager=pager)


@router.get("/kanwil/master/{name}/new")
async def new_form(request: Request, name: KindName, _person: Kanwil) -> Response:
    kind = kind_of(name)
    return render(request, "master_item.html", kind=kind, item=None, form=_form_of(kind, None))


@router.get("/kanwil/master/{name}/{key}")
async def item_page(
    request: Request, name: KindName, key: Key, person: Kanwil, console: ConsoleDep
) -> Response:
    """One entity, and the form that changes it (filled in with what it is now)."""
    kind = kind_of(name)
    token = await access_token(console, person)
    item = await console.upstream.get(kind.service, kind.item_path(key), token)
    return render(request, "master_item.html", kind=kind, item=item, form=_form_of(kind, item))


@router.post("/kanwil/master/{name}/new")
async def add_item(
    request: Request, name: KindName, person: Kanwil, console: ConsoleDep
) -> Response:
    """A new entity: the owning service's PUT of the key typed, unless one has that key
    already (a PUT would change it: that is its own page's form)."""
    kind = kind_of(name)
    token = await access_token(console, person)
    form = Fields.read(await request.form(), kind.names)
    key = form.values[kind.key]
    if key and await _found(console, token, kind, key) is not None:
        form.errors[kind.key] = Problem(translator(language_of(request))("master.error.exists"))
    return await _put(request, console, token, kind, form, key, None)


@router.post("/kanwil/master/{name}/{key}")
async def change_item(
    request: Request, name: KindName, key: Key, person: Kanwil, console: ConsoleDep
) -> Response:
    """A change of the entity of the page: the owning service's PUT of its key."""
    kind = kind_of(name)
    token = await access_token(console, person)
    item = await console.upstream.get(kind.service, kind.item_path(key), token)
    form = Fields.read(await request.form(), kind.names)
    form.values[kind.key] = key  # the page's, whatever was posted
    return await _put(request, console, token, kind, form, key, item)


async def _put(
    request: Request,
    console: Console,
    token: str,
    kind: Kind,
    form: Fields,
    key: str,
    item: dict[str, Any] | None,
) -> Response:
    """Send the form as the PUT of `key`: its page after, or the form again with the
    refusal next to the inputs it names."""
    t = translator(language_of(request))
    body = put_body(kind, form, t)
    path = kind.item_path(key)
    if await form.send(console.upstream, kind.service, path, token, body, t, method="PUT"):
        return RedirectResponse(kind.page(key), status_code=303)
    context = {"kind": kind, "item": item, "form": form}
    return render(request, "master_item.html", status_code=form.status, **context)


def put_body(kind: Kind, form: Fields, t: Callable[..., str]) -> dict[str, Any]:
    """The PUT's body from the inputs: a list typed comma- or space-separated, a flag as a
    checkbox (unticked: false), a whole number checked as one."""
    body: dict[str, Any] = {}
    for column in kind.columns:
        if column.name == kind.key and not kind.key_in_body:
            form.text(column.name, t)
            continue
        if column.type == "list":
            body[column.name] = form.codes(column.name)
        elif column.type == "flag":
            body[column.name] = form.values[column.name] == "on"
        elif column.type == "count":
            body[column.name] = form.count(column.name, t, required=column.required)
        else:
            body[column.name] = form.text(column.name, t, required=column.required)
    return body


def _form_of(kind: Kind, item: dict[str, Any] | None) -> Fields:
    """The inputs as the entity is now (a list joined by commas); a new one's flags ticked."""
    values: dict[str, str] = {}
    for column in kind.columns:
        value = item.get(column.name) if item is not None else None
        if column.type == "flag":
            values[column.name] = "on" if value or item is None else ""
        elif isinstance(value, list):
            values[column.name] = ", ".join(map(str, value))
        else:
            values[column.name] = "" if value is None else str(value)
    return Fields(values=values)


async def _found(console: Console, token: str, kind: Kind, key: str) -> dict[str, Any] | None:
    """The entity as it is, or None when the key is new (a new entity's form again)."""
    try:
        item: dict[str, Any] = await console.upstream.get(kind.service, kind.item_path(key), token)
    except NotFound:
        return None
    return item


async def _listed(
    console: Console, token: str, kind: Kind, offset: int
) -> tuple[list[dict[str, Any]], int]:
    """A page of the kind's entities and how many there are: the service's page when it pages
    (sales' channels), else a slice of its whole list (the catalogue, the locations)."""
    if kind.paged:
        page = await console.upstream.get(
            kind.service, kind.path, token, limit=LIST_LIMIT, offset=offset
        )
        return page["items"], int(page["total"])
    every: list[dict[str, Any]] = await console.upstream.get(kind.service, kind.path, token)
    return every[offset : offset + LIST_LIMIT], len(every)
