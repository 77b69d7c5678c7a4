"""What identity sets up when it starts: its first signing key, and on the first start (no
principal yet) the principals whose credentials go to `<JEJAK_DATA_DIR>/credentials.json`
(mode 0600): in development (`JEJAK_SEED_DEV_PRINCIPALS=true`, which `jejak run` and the test
systems set) a principal for every terminal, channel, QC desk and administrator of the seeded
master data; otherwise one Kanwil administrator, who adds the others with `jejak identity`.
"""

import json
import logging
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from services.identity.db import PrincipalRow, Principals, SigningKeys
from services.identity.domain import Binding, Kind, enrolment
from shared.identity import Role
from shared.settings import Settings
from shared.uow import UnitOfWork

log = logging.getLogger("jejak")

# ------------------------------------------------------------------ the development set
# A copy of the seeded master data of other services (services never import each other):
# production's UPTs and workshops (services/production/catalogue.py) and sales' channels
# (services/sales/db.py). Development only: a deployment adds its principals with `jejak identity`.
# Workshops an administrator adds to production's catalogue later get no terminal here: add it
# with `jejak identity add-terminal <workshop>`.
DEV_UPTS = ("TGR1", "TGRP", "TGRW", "RTGR", "SRG", "CLG", "RKB", "PDG", "CGR")
DEV_WORKSHOPS = {  # workshop -> its UPT
    "TGR1-BTN": "TGR1",
    "TGR1-DPR": "TGR1",
    "TGRW-KUE": "TGRW",
    "TGRW-TEX": "TGRW",
    "SRG-JHM": "SRG",
    "SRG-SAE": "SRG",
    "CLG-SPT": "CLG",
    "CLG-MBL": "CLG",
    "CLG-ROT": "CLG",
    "RKB-KYU": "RKB",
    "PDG-RJT": "PDG",
    "CGR-SAE": "CGR",
}
DEV_CHANNELS = ("GALERI-SERANG", "EXPO-UMKM", "E-KATALOG", "MARKETPLACE")
# The people behind the counters of the channels with a counter (the gallery, the expo stand):
# they sign in to the console with a password, as a person bound to the channel (a channel is
# a machine client by default: a shop's server calling the API).
DEV_CHANNEL_STAFF = {"GALERI-SERANG": "staf-galeri-serang", "EXPO-UMKM": "staf-expo-umkm"}
CREDENTIALS_FILE = "credentials.json"


# Without the development set, the first start still creates one Kanwil administrator, so that
# `jejak identity` can add everyone else; its password is in the credentials file only.
FIRST_ADMIN: tuple[Role, str | None, Binding] = ("kanwil_admin", "kanwil-admin", Binding())


def dev_principals() -> list[tuple[Role, str | None, Binding]]:
    """Role, username (None: a client, named from its binding) and binding of each."""
    return [
        *(("terminal", None, Binding(workshop=w, upt=u)) for w, u in DEV_WORKSHOPS.items()),
        *(("channel", None, Binding(channel=channel)) for channel in DEV_CHANNELS),
        *(("channel", name, Binding(channel=code)) for code, name in DEV_CHANNEL_STAFF.items()),
        *(
            ("qc_officer", f"qc-{upt.lower()}", Binding(upt=upt, officer_code=f"QC-{upt}-07"))
            for upt in DEV_UPTS
        ),
        *(("upt_admin", f"admin-{upt.lower()}", Binding(upt=upt)) for upt in DEV_UPTS),
        FIRST_ADMIN,
    ]


def dev_kind(name: str | None) -> Kind | None:
    """A development principal with a username is a person (the channels' staff too); without
    one, its role's default (a client)."""
    return "user" if name is not None else None


@dataclass(frozen=True)
class Seed:
    """`ServiceSpec.seed` of identity, run in one transaction on every start."""

    settings: Settings

    async def __call__(self, uow: UnitOfWork) -> None:
        session = uow.session
        now = datetime.now(UTC)
        await SigningKeys(session).current(now)  # the first start makes the first key
        principals = Principals(session)
        if await principals.any():
            return
        development = self.settings.seed_dev_principals
        entries = []
        for role, name, asked in dev_principals() if development else [FIRST_ADMIN]:
            kind, binding = enrolment(role, dev_kind(name), name, asked)
            row, secret = await principals.add(role, kind, name, binding, now)
            entries.append(credentials_entry(row, secret))
        path = self.settings.data_dir / CREDENTIALS_FILE
        write_private(path, {"token_url": token_url(self.settings), "principals": entries})
        what = f"{len(entries)} development principals" if development else "the first kanwil_admin"
        # A warning, so it shows without any logging set up: secrets are on disk (owner only).
        log.warning("identity: %s created; their credentials are in %s", what, path.resolve())


def token_url(settings: Settings) -> str:
    return f"{settings.oidc_issuer.rstrip('/')}/oauth/token"


def credentials_entry(row: PrincipalRow, secret: str) -> dict[str, Any]:
    binding = {"workshop": row.workshop, "upt": row.upt, "channel": row.channel}
    entry: dict[str, Any] = {"role": row.role}
    entry.update({name: value for name, value in binding.items() if value is not None})
    if row.officer_code is not None:
        entry["officer_code"] = row.officer_code
    if row.kind == "client":
        entry.update(client_id=row.name, client_secret=secret)
    else:
        entry.update(username=row.name, password=secret)
    return entry


def write_private(path: Path, document: dict[str, Any]) -> None:
    """Write a JSON file only its owner can read (0600), replacing any former one whole."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        json.dump(document, file, indent=2)
        file.write("\n")
    os.chmod(partial, 0o600)  # in case the file was there before with other bits
    os.replace(partial, path)
