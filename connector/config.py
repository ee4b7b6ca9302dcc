"""The config file: YAML, `${VAR}` / `${VAR:-default}` from the environment, paths relative to the file.

`load_config` either returns a valid `Config` or raises `ConfigError` carrying every problem found, each as
`FILE: institutions[2].catalog.path: no such file`, so an operator fixes them all in one go.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from connector.adapters.registry import installed as installed_adapters
from connector.schema import INSTITUTION_CODE, InstitutionType

_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
def _builtin_mappings() -> Path:
    """The shipped mappings/: beside the package in a checkout (editable install), or installed as data files
    under the environment's share/pasindo/ by a regular `pip install`."""
    checkout = Path(__file__).resolve().parent.parent / "mappings"
    return checkout if checkout.is_dir() else Path(sys.prefix) / "share" / "pasindo" / "mappings"


BUILTIN_MAPPINGS = _builtin_mappings()


class ConfigError(Exception):
    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class CatalogConfig(_Strict):
    path: Path
    mapping: str = "standard"
    format: str | None = None  # csv | xlsx | json | jsonl | sqlite; default: from the file
    sheet: str | None = None  # xlsx: sheet name (default: the first)
    table: str | None = None  # sqlite
    query: str | None = None  # sqlite: a SELECT

    @field_validator("format")
    @classmethod
    def _known_format(cls, value: str | None) -> str | None:
        if value is not None and value not in {"csv", "xlsx", "json", "jsonl", "sqlite"}:
            raise ValueError("must be one of csv, xlsx, json, jsonl, sqlite")
        return value


class InstitutionConfig(_Strict):
    code: Annotated[str, Field(pattern=INSTITUTION_CODE.pattern, max_length=64)]
    name: str
    type: InstitutionType
    class_: str | None = Field(default=None, alias="class")
    province: str | None = None
    catalog: CatalogConfig
    sku_prefix: Annotated[str, Field(pattern=r"^[A-Za-z0-9]{1,20}$")] | None = None
    channels: list[str] | None = None  # default: every channel


class PriceRule(_Strict):
    markup_percent: float = 0
    round_to: Annotated[int, Field(ge=1)] = 100
    min: int | None = None
    max: int | None = None


class StockRule(_Strict):
    buffer: Annotated[int, Field(ge=0)] = 0
    max: Annotated[int, Field(ge=0)] | None = None
    delist_at_zero: bool = False  # else: stay listed, out of stock
    allocation_percent: Annotated[int, Field(ge=0, le=100)] = 100  # of the shared available stock


class ChannelConfig(_Strict):
    name: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")]
    adapter: str
    endpoint: str = "sandbox"
    credentials: dict[str, str] = {}
    categories: Path | None = None
    price: PriceRule = PriceRule()
    stock: StockRule = StockRule()
    options: dict[str, Any] = {}  # adapter-specific settings

    @property
    def is_sandbox(self) -> bool:
        return self.endpoint == "sandbox"


_EVERY = re.compile(r"^every\s+(\d+)\s*(s|sec|secs|seconds?|m|min|mins|minutes?|h|hours?|d|days?)$", re.I)
_WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
SCHEDULE_SYNTAX = ("a cron expression (5 fields, or 6 with seconds first) or an interval such as every 30s, every 10m,"
                   " every 2h")


def schedule_trigger(expr: str, timezone: str | None = None) -> Any:
    """The APScheduler trigger for a schedule expression: cron with 5 fields (or 6, seconds first) or `every 10m`.

    Weekdays count as in crontab (0 or 7 = Sunday); APScheduler 3 counts from Monday, so numbers become names.
    """
    from apscheduler.triggers.cron import CronTrigger
    from apscheduler.triggers.interval import IntervalTrigger

    text = expr.strip()
    if match := _EVERY.match(text):
        count, unit = int(match.group(1)), match.group(2).lower()[0]
        if count < 1:
            raise ValueError(f"{expr!r}: the interval must be at least 1")
        name = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}[unit]
        return IntervalTrigger(**{name: count}, timezone=timezone)
    fields = text.split()
    if len(fields) == 5:
        fields.insert(0, "0")
    if len(fields) != 6 or text.lower().startswith("every"):
        raise ValueError(f"{expr!r} is not a schedule; write {SCHEDULE_SYNTAX}")
    second, minute, hour, day, month, weekday = fields
    try:
        return CronTrigger(second=second, minute=minute, hour=hour, day=day, month=month,
                           day_of_week=_cron_weekdays(weekday), timezone=timezone)
    except ValueError as err:
        raise ValueError(f"{expr!r}: {err}") from None


def _cron_weekdays(field: str) -> str:
    """A crontab day-of-week field (numbers from Sunday = 0, names, ranges, lists, steps) as APScheduler names."""
    if field in ("*", "?"):
        return "*"
    names = {n: i for i, n in enumerate(_WEEKDAYS)}

    def day(token: str) -> int:
        token = token.lower()
        if token in names:
            return names[token]
        if token.isdigit() and int(token) <= 7:
            return int(token) % 7
        raise ValueError(f"day of week {token!r}: use 0-7 (0 and 7 = Sunday) or sun, mon, ... sat")

    days: set[int] = set()
    for part in field.split(","):
        base, _, step_text = part.partition("/")
        if step_text and (not step_text.isdigit() or int(step_text) == 0):
            raise ValueError(f"day of week {part!r}: the step must be a whole number from 1")
        step = int(step_text or 1)
        if base == "*":
            first, last = 0, 6
        elif "-" in base:
            first_text, last_text = base.split("-", 1)
            first, last = day(first_text), day(last_text)
            last = 7 if last == 0 and last_text.strip() == "7" else last
            if first > last:
                raise ValueError(f"day of week {part!r}: the range runs backwards")
        else:
            first = day(base)
            last = 6 if step_text else first
        days.update(d % 7 for d in range(first, last + 1, step))
    return ",".join(_WEEKDAYS[d] for d in sorted(days))


def _check_schedule(value: Any) -> Any:
    if value is False:  # YAML reads an unquoted `off` as false
        return "off"
    if isinstance(value, str) and value.strip().lower() != "off":
        schedule_trigger(value, "UTC")
    return value


class InstitutionSchedule(_Strict):
    """One institution's own schedule; a kind left out follows the global one, `off` turns it off."""

    full: str | None = None
    stock_price: str | None = None

    check_expressions = field_validator("full", "stock_price", mode="before")(_check_schedule)


class ScheduleConfig(_Strict):
    full: str | None = None  # everything: content, price, stock, delist/relist
    stock_price: str | None = None  # only price and stock
    timezone: str | None = None  # e.g. Asia/Jakarta; default: the server's local time zone
    institutions: dict[str, InstitutionSchedule] = {}

    check_expressions = field_validator("full", "stock_price", mode="before")(_check_schedule)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is not None:
            from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(f"unknown time zone {value!r}; e.g. Asia/Jakarta, Asia/Makassar, UTC") from None
        return value


class GuardsConfig(_Strict):
    max_delist_percent: Annotated[float, Field(ge=0, le=100)] = 20
    max_price_drop_percent: Annotated[float, Field(ge=0, le=100)] = 50


class LoggingConfig(_Strict):
    file: Path | None = None  # JSON lines, reopened when logrotate moves the file; default: the standard streams
    level: str = "info"

    @field_validator("level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        if value.lower() not in ("debug", "info", "warning", "error"):
            raise ValueError("must be one of debug, info, warning, error")
        return value.lower()


class Config(_Strict):
    state_dir: Path = Path("var")
    institutions: Annotated[list[InstitutionConfig], Field(min_length=1)]
    channels: list[ChannelConfig] = []
    schedule: ScheduleConfig = ScheduleConfig()
    guards: GuardsConfig = GuardsConfig()
    logging: LoggingConfig = LoggingConfig()
    retention_days: Annotated[int, Field(ge=1)] = 90
    source: Path | None = Field(default=None, exclude=True)  # the file this was read from

    @model_validator(mode="after")
    def _unique_names(self) -> Config:
        _require_unique([i.code for i in self.institutions], "institution code")
        _require_unique([c.name for c in self.channels], "channel name")
        names = {c.name for c in self.channels}
        for inst in self.institutions:
            for name in inst.channels or []:
                if name not in names:
                    raise ValueError(f"institution {inst.code} lists channel {name!r}, which is not configured")
        codes = {i.code for i in self.institutions}
        for code in self.schedule.institutions:
            if code not in codes:
                raise ValueError(f"schedule.institutions names {code!r}, which is not a configured institution")
        return self

    def secrets(self) -> list[str]:
        """Every credential value, for the log redactor."""
        return [v for c in self.channels for v in c.credentials.values() if v]

    def institution(self, code: str) -> InstitutionConfig:
        for inst in self.institutions:
            if inst.code == code:
                return inst
        raise KeyError(code)


def _require_unique(values: list[str], what: str) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise ValueError(f"{what} {value!r} is used twice")
        seen.add(value)


def interpolate(text: str, env: dict[str, str], missing: list[str]) -> str:
    """Replace `${VAR}` and `${VAR:-default}`; a missing variable without default is recorded."""

    def replace(match: re.Match[str]) -> str:
        name, default = match.group(1), match.group(2)
        if name in env:
            return env[name]
        if default is not None:
            return default
        missing.append(name)
        return ""

    return _ENV.sub(replace, text)


def _interpolate_tree(node: Any, env: dict[str, str], missing: list[tuple[str, str]], loc: str) -> Any:
    if isinstance(node, dict):
        return {k: _interpolate_tree(v, env, missing, f"{loc}.{k}" if loc else str(k)) for k, v in node.items()}
    if isinstance(node, list):
        return [_interpolate_tree(v, env, missing, f"{loc}[{i}]") for i, v in enumerate(node)]
    if isinstance(node, str):
        names: list[str] = []
        value = interpolate(node, env, names)
        missing.extend((loc, name) for name in names)
        return value
    return node


def _loc(parts: tuple[Any, ...]) -> str:
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def mapping_path(config_dir: Path, mapping: str) -> Path | None:
    """A mapping is a file path or a name looked up in the config's `mappings/`, then the built-in ones."""
    direct = config_dir / mapping
    if mapping.endswith((".yaml", ".yml")) and direct.is_file():
        return direct
    for folder in (config_dir / "mappings", BUILTIN_MAPPINGS):
        candidate = folder / f"{mapping}.yaml"
        if candidate.is_file():
            return candidate
    return None


def load_config(path: Path | str, env: dict[str, str] | None = None) -> Config:
    path = Path(path)
    env = dict(os.environ) if env is None else env
    label = str(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError([f"{label}: no such file"]) from None
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError([f"{label}: cannot read: {err}"]) from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        raise ConfigError([f"{label}: not valid YAML{where}: {getattr(err, 'problem', err)}"]) from None
    if not isinstance(raw, dict):
        raise ConfigError([f"{label}: expected a mapping of settings at the top level"])

    missing: list[tuple[str, str]] = []
    raw = _interpolate_tree(raw, env, missing, "")
    problems = [f"{label}: {loc}: environment variable {name} is not set" for loc, name in missing]
    try:
        config = Config.model_validate(raw)
    except ValidationError as err:
        for e in err.errors():
            loc = _loc(tuple(p for p in e["loc"] if p not in ("function-after",)))
            msg = e["msg"].removeprefix("Value error, ")
            problems.append(f"{label}: {loc}: {msg}" if loc else f"{label}: {msg}")
        raise ConfigError(problems) from None

    base = path.resolve().parent
    config.source = path.resolve()
    config.state_dir = (base / config.state_dir).resolve()
    if config.logging.file is not None:
        config.logging.file = (base / config.logging.file).resolve()
    for i, inst in enumerate(config.institutions):
        inst.catalog.path = (base / inst.catalog.path).resolve()
        if not inst.catalog.path.is_file():
            problems.append(f"{label}: institutions[{i}].catalog.path: no such file: {inst.catalog.path}")
        if mapping_path(base, inst.catalog.mapping) is None:
            problems.append(f"{label}: institutions[{i}].catalog.mapping: no mapping named {inst.catalog.mapping!r}")
    adapters = installed_adapters()
    for i, channel in enumerate(config.channels):
        if channel.adapter not in adapters:
            problems.append(f"{label}: channels[{i}].adapter: no adapter named {channel.adapter!r}; installed: "
                            f"{', '.join(sorted(adapters))}")
        if channel.categories is not None:
            channel.categories = (base / channel.categories).resolve()
            if not channel.categories.is_file():
                problems.append(f"{label}: channels[{i}].categories: no such file: {channel.categories}")
    if problems:
        raise ConfigError(problems)
    return config
