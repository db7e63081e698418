"""Per-variant settings for checks and publishes, stored as one JSON row per variant
(``registry_variant_settings``); a variant without a row has the defaults.

- ``usage_period_days`` (7): how far back a check looks at usage.
- ``min_operations`` (1) and ``min_percent`` (0.0): a breaking change is *in use* (the check fails)
  when at least ``min_operations`` operations it affects were counted in the period AND their requests
  are at least ``min_percent`` of all the variant's requests in it; below either, it is safe by usage.
- ``exclude_clients`` ([]): client names whose requests are left out of both figures.
- ``allow_breaking_publish`` (false): a publish with breaking changes in use goes through without an
  approval (still judged and recorded).
- ``lints``: rule -> on/off (every rule on by default); see ``lints.RULES``.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from federation.errors import BAD_REQUEST, RegistryError

from . import tables as t
from .lints import RULES
from .store import now

MAX_PERIOD_DAYS = 366
MAX_EXCLUDED = 100


@dataclass(frozen=True)
class VariantSettings:
    usage_period_days: int = 7
    min_operations: int = 1
    min_percent: float = 0.0
    exclude_clients: tuple[str, ...] = ()
    allow_breaking_publish: bool = False
    lints: dict[str, bool] = field(default_factory=lambda: dict.fromkeys(RULES, True))

    def lint_on(self, rule: str) -> bool:
        return self.lints.get(rule, True)

    def to_json(self) -> str:
        value = asdict(self)
        value["exclude_clients"] = list(self.exclude_clients)
        return json.dumps(value, sort_keys=True)

    @classmethod
    def from_json(cls, text: str | None) -> VariantSettings:
        if not text:
            return cls()
        raw: dict[str, Any] = json.loads(text)
        known = {k: v for k, v in raw.items() if k in cls.__dataclass_fields__}
        known["exclude_clients"] = tuple(known.get("exclude_clients", ()))
        lints = dict.fromkeys(RULES, True)
        lints.update({k: bool(v) for k, v in (known.get("lints") or {}).items() if k in RULES})
        known["lints"] = lints
        return cls(**known)

    def updated(self, **changes: Any) -> VariantSettings:
        """A copy with the given (not None) values, validated: bad values are BAD_REQUEST."""
        values = {k: v for k, v in changes.items() if v is not None}
        if "usage_period_days" in values and not (1 <= values["usage_period_days"] <= MAX_PERIOD_DAYS):
            raise RegistryError(BAD_REQUEST, f"usage_period_days must be 1-{MAX_PERIOD_DAYS}")
        if "min_operations" in values and not (0 <= values["min_operations"] <= 1_000_000):
            raise RegistryError(BAD_REQUEST, "min_operations must be 0-1000000")
        if "min_percent" in values and not (0.0 <= float(values["min_percent"]) <= 100.0):
            raise RegistryError(BAD_REQUEST, "min_percent must be 0-100")
        if "exclude_clients" in values:
            clients = tuple(values["exclude_clients"])
            if len(clients) > MAX_EXCLUDED or any(not isinstance(c, str) or len(c) > 256 or "\x00" in c
                                                  for c in clients):
                raise RegistryError(BAD_REQUEST, f"exclude_clients: at most {MAX_EXCLUDED} names of 256 characters")
            values["exclude_clients"] = clients
        if "lints" in values:
            lints = values["lints"]
            unknown = [k for k in lints if k not in RULES] if isinstance(lints, dict) else ["(not an object)"]
            if unknown or not all(isinstance(v, bool) for v in lints.values()):
                raise RegistryError(BAD_REQUEST, f"lints: rule -> true/false, rules {', '.join(RULES)}; "
                                    f"unknown: {', '.join(map(str, unknown))}")
            values["lints"] = {**self.lints, **lints}
        return replace(self, **values)


async def load(conn: AsyncConnection, variant_id: int) -> VariantSettings:
    s = t.variant_settings
    text = (await conn.execute(sa.select(s.c.settings).where(s.c.variant_id == variant_id))).scalar_one_or_none()
    return VariantSettings.from_json(text)


async def save(conn: AsyncConnection, dialect: str, variant_id: int, settings: VariantSettings, by: str) -> None:
    s = t.variant_settings
    values = {"variant_id": variant_id, "settings": settings.to_json(), "updated_at": now(), "updated_by": by}
    insert = (postgresql.insert(s) if dialect == "postgresql" else sqlite.insert(s)).values(**values)
    await conn.execute(insert.on_conflict_do_update(
        index_elements=[s.c.variant_id],
        set_={"settings": insert.excluded.settings, "updated_at": insert.excluded.updated_at,
              "updated_by": insert.excluded.updated_by}))
