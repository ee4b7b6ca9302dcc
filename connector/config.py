"""The config file: YAML, `${VAR}` / `${VAR:-default}` from the environment, paths relative to the file.

`load_config` is the one configuration check: the config file, the mapping files its institutions name, every
channel's category map, and every channel's `credentials` and `options` (against its adapter's `Credentials` and
`Options` models) are validated when the config loads. It either returns a valid `Config`, carrying the loaded
mappings and category maps, or raises `ConfigError` with every problem found, each as
`FILE: institutions[2].catalog.path: no such file`, so an operator fixes them all in one go.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator, model_validator

from connector.adapters.registry import adapter_class
from connector.adapters.registry import installed as installed_adapters
from connector.catalog.mapping import Mapping, MappingError, load_mapping
from connector.category_maps import CategoryMap, CategoryMapError, read_category_map
from connector.problems import problems as problem_lines
from connector.problems import suggestion
from connector.schema import (
    BUILTIN_MAPPINGS,
    INSTITUTION_CODE,
    SHIPPED_TAXONOMY,
    TAXONOMY,
    InstitutionType,
    Taxonomy,
    TaxonomyError,
    read_taxonomy,
)
from connector.yamlfile import YamlFileError, read_yaml

_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
_CREDENTIAL = re.compile(r"^channels\[\d+\]\.credentials\.")
_URL = re.compile(r"^https?://[^\s/?#]+[^\s]*$")
SANDBOX = "sandbox"


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
    endpoint: str = SANDBOX
    credentials: dict[str, str] = {}  # checked against the adapter's Credentials model
    categories: Path | None = None
    price: PriceRule = PriceRule()
    stock: StockRule = StockRule()
    options: dict[str, Any] = {}  # adapter-specific settings, checked against the adapter's Options model

    @field_validator("endpoint")
    @classmethod
    def _sandbox_or_url(cls, value: str) -> str:
        if value != SANDBOX and not _URL.match(value):
            raise ValueError(f"must be {SANDBOX} or an http(s) URL{suggestion(value, [SANDBOX])}")
        return value

    @property
    def is_sandbox(self) -> bool:
        return self.endpoint == SANDBOX

    @property
    def category_map_path(self) -> Path:
        """The channel's `categories:` file, else the one shipped for its adapter."""
        return self.categories or BUILTIN_MAPPINGS / "channels" / f"{self.adapter}.yaml"


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


DEFAULT_TIMEZONE = "Asia/Jakarta"


def _known_zone(value: str | None) -> str | None:
    if value is not None:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}; e.g. Asia/Jakarta, Asia/Makassar, UTC") from None
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

    check_zone = field_validator("timezone")(lambda cls, value: _known_zone(value))


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


SANDBOX_SITE_URL = "http://127.0.0.1:8765"  # the port README's "Looking at the sandbox" serves it on


LINK_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


class SiteLinkForm(_Strict):
    """A buyer's page address for a live channel whose adapter documents none: `url` with `{id}` (the listing's
    id) and any of the channel's credentials whose name ends in `_id` (`{shop_id}`) — never a secret."""

    label: Annotated[str, Field(min_length=1, max_length=40)]
    url: str

    @field_validator("url")
    @classmethod
    def _form(cls, value: str) -> str:
        if not value.startswith("https://") or not _URL.match(value):
            raise ValueError("must be an https URL, e.g. https://shop.example/product/{shop_id}/{id}")
        names = LINK_PLACEHOLDER.findall(value)
        wrong = [n for n in names if n != "id" and not re.fullmatch(r"[a-z][a-z0-9_]*_id", n)]
        if wrong:
            raise ValueError(f"{{{wrong[0]}}} is not a placeholder it may hold: {{id}} (the listing's id) or a "
                             "credential whose name ends in _id ({shop_id}); a secret never goes into a page")
        if "id" not in names:
            raise ValueError("must hold {id}, the listing's id on the channel")
        return value


class SiteConfig(_Strict):
    """`pasindo site`: where the landing page is written (the daemon builds it after every full sync when set),
    where it is published, where a sandbox channel's listings are looked at, and page address forms the operator
    gives for live channels whose adapter documents none (`links`, by channel name)."""

    output: Path | None = None
    base_url: str | None = None  # default: the output folder as a file:// address
    sandbox_url: str = SANDBOX_SITE_URL
    links: dict[str, SiteLinkForm] = {}

    @field_validator("base_url", "sandbox_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not _URL.match(value):
            raise ValueError("must be an http(s) URL, e.g. https://pasindo.example.go.id")
        return value.rstrip("/") if value else value


class Config(_Strict):
    state_dir: Path = Path("var")
    environment: Literal["development", "production"] = "development"  # production: no channel on the sandbox
    timezone: str | None = None  # the reports' times and dates; default: schedule.timezone, else Asia/Jakarta
    institutions: Annotated[list[InstitutionConfig], Field(min_length=1)]
    channels: list[ChannelConfig] = []
    schedule: ScheduleConfig = ScheduleConfig()
    guards: GuardsConfig = GuardsConfig()
    logging: LoggingConfig = LoggingConfig()
    retention_days: Annotated[int, Field(ge=1)] = 90
    site: SiteConfig = SiteConfig()
    source: Path | None = Field(default=None, exclude=True)  # the file this was read from
    _taxonomy: Taxonomy = PrivateAttr(default=TAXONOMY)
    _mappings: dict[Path, Mapping] = PrivateAttr(default_factory=dict)
    _category_maps: dict[str, CategoryMap] = PrivateAttr(default_factory=dict)

    check_zone = field_validator("timezone")(lambda cls, value: _known_zone(value))

    @property
    def zone(self) -> ZoneInfo:
        """The time zone reports show times in and read dates in."""
        return ZoneInfo(self.timezone or self.schedule.timezone or DEFAULT_TIMEZONE)

    @model_validator(mode="after")
    def _unique_names(self) -> Config:
        _require_unique([i.code for i in self.institutions], "institution code")
        _require_unique([c.name for c in self.channels], "channel name")
        names = {c.name for c in self.channels}
        for inst in self.institutions:
            for name in inst.channels or []:
                if name not in names:
                    raise ValueError(f"institution {inst.code} lists channel {name!r}, which is not configured")
        self._unique_prefixes(names)
        for name in self.site.links:
            if name not in names:
                raise ValueError(f"site.links names channel {name!r}, which is not configured")
        codes = {i.code for i in self.institutions}
        for code in self.schedule.institutions:
            if code not in codes:
                raise ValueError(f"schedule.institutions names {code!r}, which is not a configured institution")
        return self

    def _unique_prefixes(self, names: set[str]) -> None:
        """Two institutions on one channel with one sku_prefix would list two products under one seller SKU the
        moment their runs are separate (per-institution schedules): refused, whatever the letter case."""
        owner: dict[tuple[str, str], str] = {}
        for inst in self.institutions:
            if inst.sku_prefix is None:
                continue
            for channel in sorted(set(inst.channels or names)):
                other = owner.setdefault((channel, inst.sku_prefix.casefold()), inst.code)
                if other != inst.code:
                    raise ValueError(f"institutions {other} and {inst.code} share sku_prefix {inst.sku_prefix!r} on "
                                     f"channel {channel}: give each institution its own prefix")

    @property
    def taxonomy(self) -> Taxonomy:
        """The PASINDO taxonomy, extended by the deployment's mappings/taxonomy.yaml (set by `load_config`)."""
        return self._taxonomy

    @property
    def mappings(self) -> dict[Path, Mapping]:
        """Mapping file -> the loaded mapping, for every mapping an institution names (set by `load_config`)."""
        return self._mappings

    @property
    def category_maps(self) -> dict[str, CategoryMap]:
        """Channel name -> its loaded category map (set by `load_config`)."""
        return self._category_maps

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


def taxonomy_path(config_dir: Path) -> Path | None:
    """The deployment's taxonomy: mappings/taxonomy.yaml next to the config, where its own mappings are, when it is
    not the shipped file itself (a config in a checkout's root)."""
    candidate = config_dir / "mappings" / "taxonomy.yaml"
    if not candidate.is_file() or candidate.resolve() == SHIPPED_TAXONOMY.resolve():
        return None
    return candidate


def load_config(path: Path | str, env: dict[str, str] | None = None, *, secrets: bool = True) -> Config:
    """The validated config, or ConfigError listing every problem.

    `secrets=False` is for the commands that never talk to a marketplace (validate, report, status, sales): an unset
    `${VAR}` under a channel's `credentials` is then no problem, and that credential counts as given."""
    path = Path(path)
    label = str(path)
    missing: list[tuple[str, str]] = []
    raw = _interpolate_tree(_read_yaml(path, label), dict(os.environ) if env is None else env, missing, "")
    unset = {loc for loc, _ in missing if _CREDENTIAL.match(loc)}
    problems = [f"{label}: {loc}: environment variable {name} is not set" for loc, name in missing
                if secrets or loc not in unset]
    problems += [f"{label}: {p}" for p in _channel_settings_problems(raw, unset)]
    try:
        config = Config.model_validate(raw)
    except ValidationError as err:
        raise ConfigError(problems + [f"{label}: {p}" for p in problem_lines(err, Config)]) from None
    config.source = path.resolve()
    problems += [f"{label}: {p}" for p in _resolve_paths(config, config.source.parent)]
    problems += [f"{label}: {p}" for p in _environment_problems(config)]
    problems += _load_taxonomy(config)
    problems += _load_mappings(config) + _load_category_maps(config)
    if problems:
        raise ConfigError(problems)
    return config


def _read_yaml(path: Path, label: str) -> dict[str, Any]:
    try:
        raw = read_yaml(path)
    except YamlFileError as err:
        raise ConfigError([f"{label}: {err}"]) from None
    if not isinstance(raw, dict):
        raise ConfigError([f"{label}: expected a mapping of settings at the top level"])
    return raw


def _channel_settings_problems(raw: dict[str, Any], unset: set[str]) -> list[str]:
    """Each channel's adapter, and its credentials and options against the adapter's models."""
    channels = raw.get("channels")
    if not isinstance(channels, list):
        return []
    adapters = installed_adapters()
    found: list[str] = []
    for i, entry in enumerate(channels):
        if not isinstance(entry, dict) or not isinstance(entry.get("adapter"), str):
            continue  # the config model says what is wrong with it
        name = entry["adapter"]
        if name not in adapters:
            found.append(f"channels[{i}].adapter: no adapter named {name!r}; installed: "
                         f"{', '.join(sorted(adapters))}")
            continue
        try:
            cls = adapter_class(name)
        except Exception as err:  # a broken plug-in: say so, like `pasindo adapters`
            found.append(f"channels[{i}].adapter: the {name} adapter cannot be loaded: {type(err).__name__}: {err}")
            continue
        sandbox = entry.get("endpoint", SANDBOX) == SANDBOX
        found += _settings_problems(cls.Credentials, entry.get("credentials"), f"channels[{i}].credentials",
                                    unset, sandbox)
        found += _settings_problems(cls.Options, entry.get("options"), f"channels[{i}].options", unset, sandbox)
    return found


def _settings_problems(model: type[BaseModel] | None, given: Any, where: str, unset: set[str],
                       sandbox: bool) -> list[str]:
    """`given` against an adapter's model. A key whose variable is unset is checked only for being known; on the
    sandbox nothing is required (a channel without credentials uses the sandbox's own)."""
    if model is None or not isinstance(given, dict):
        return []  # no model: the plug-in takes any; not a mapping: the config model says so
    untold = {key for key in given if f"{where}.{key}" in unset and key in model.model_fields}
    try:
        model.model_validate({key: value for key, value in given.items() if key not in untold})
    except ValidationError as err:
        return problem_lines(err, model, where, skip=lambda e: e["type"] == "missing" and (
            sandbox or e["loc"][0] in untold))
    return []


def _environment_problems(config: Config) -> list[str]:
    """In production every channel reaches its marketplace: a channel left on the sandbox would sync nothing real
    while saying ok."""
    if config.environment != "production":
        return []
    return [f"channels[{i}].endpoint: channel {c.name} is on the sandbox, but environment is production: set "
            f"its endpoint to the marketplace's API base URL (e.g. {_variable(c.name)}_ENDPOINT in pasindo.env) "
            "or remove the channel" for i, c in enumerate(config.channels) if c.is_sandbox]


def _variable(name: str) -> str:
    return name.upper().replace("-", "_")


def _resolve_paths(config: Config, base: Path) -> list[str]:
    """Paths made absolute from the config's folder; files that are not there."""
    found = []
    config.state_dir = (base / config.state_dir).resolve()
    if config.logging.file is not None:
        config.logging.file = (base / config.logging.file).resolve()
    if config.site.output is not None:
        config.site.output = (base / config.site.output).resolve()
    for i, inst in enumerate(config.institutions):
        inst.catalog.path = (base / inst.catalog.path).resolve()
        # Only a missing catalog is the config's problem; one that is there but cannot be read (a pipe, a device,
        # a folder) is that institution's catalog_unreadable when it is read, and the others carry on.
        if not inst.catalog.path.exists():
            found.append(f"institutions[{i}].catalog.path: no such file: {inst.catalog.path}")
        if mapping_path(base, inst.catalog.mapping) is None:
            found.append(f"institutions[{i}].catalog.mapping: no mapping named {inst.catalog.mapping!r}")
    adapters = installed_adapters()
    for i, channel in enumerate(config.channels):
        if channel.categories is not None:
            channel.categories = (base / channel.categories).resolve()
            if not channel.categories.is_file():
                found.append(f"channels[{i}].categories: no such file: {channel.categories}")
        elif channel.adapter in adapters and not channel.category_map_path.is_file():
            found.append(f"channels[{i}].categories: the {channel.adapter} adapter ships no category map: name "
                         "the channel's own file")
    return found


def _load_taxonomy(config: Config) -> list[str]:
    """The shipped taxonomy extended by the deployment's; its problems as `TAXONOMY_FILE: loc: message` (the
    mappings and category maps are then checked against the shipped taxonomy)."""
    path = taxonomy_path(config.source.parent if config.source else Path.cwd())
    if path is None:
        return []
    try:
        config._taxonomy = read_taxonomy(path, TAXONOMY)
    except TaxonomyError as err:
        return err.problems
    return []


def _load_mappings(config: Config) -> list[str]:
    """Every mapping an institution names, loaded once; their problems as `MAPPING_FILE: loc: message`."""
    found: list[str] = []
    base = config.source.parent if config.source else Path.cwd()
    for inst in config.institutions:
        path = mapping_path(base, inst.catalog.mapping)
        if path is None or path in config.mappings:
            continue
        try:
            config.mappings[path] = load_mapping(path, config.taxonomy)
        except MappingError as err:
            found += [p for p in err.problems if p not in found]
    return found


def _load_category_maps(config: Config) -> list[str]:
    """Every channel's category map; their problems as `MAP_FILE: loc: message`."""
    found: list[str] = []
    for channel in config.channels:
        if not channel.category_map_path.is_file():
            continue  # reported with the config's paths
        try:
            config.category_maps[channel.name] = read_category_map(channel.category_map_path, config.taxonomy)
        except CategoryMapError as err:
            found += [p for p in err.problems if p not in found]
    return found
