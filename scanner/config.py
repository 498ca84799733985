"""`safemaker.toml`: which proxies are sanctioned, which checks run, severity overrides.

Validated key by key so that a typo gives one line naming the file and the key, instead of a
setting that silently does nothing.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from typing import Any

from .errors import ConfigError
from .model import Severity


@dataclass(frozen=True)
class Config:
    proxies: tuple[str, ...] = ()  # instance IDs or IP addresses
    enable: tuple[str, ...] = ()  # empty = all checks
    disable: tuple[str, ...] = ()
    severity: dict[str, Severity] = field(default_factory=dict)
    source: str = "<defaults>"


_ALLOWED = {
    "inspection": {"proxies"},
    "checks": {"enable", "disable", "severity"},
}


def load_config(path: str | None) -> Config:
    if path is None:
        return Config()
    try:
        with open(path, "rb") as fh:
            doc = tomllib.load(fh)
    except OSError as exc:
        raise ConfigError(path, "", f"cannot read file: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, "", f"not valid TOML: {exc}") from None
    return parse_config(doc, path)


def parse_config(doc: dict[str, Any], source: str) -> Config:
    for section, value in doc.items():
        if section not in _ALLOWED:
            raise ConfigError(source, section, f"unknown section (known: {', '.join(sorted(_ALLOWED))})")
        if not isinstance(value, dict):
            raise ConfigError(source, section, "must be a table")
        for key in value:
            if key not in _ALLOWED[section]:
                known = ", ".join(sorted(_ALLOWED[section]))
                raise ConfigError(source, f"{section}.{key}", f"unknown key (known: {known})")
    inspection = doc.get("inspection", {})
    checks = doc.get("checks", {})
    severity: dict[str, Severity] = {}
    for check_id, sev in _table(checks, "severity", source, "checks.severity").items():
        try:
            severity[check_id] = Severity(sev)
        except ValueError:
            allowed = ", ".join(s.value for s in Severity)
            raise ConfigError(source, f"checks.severity.{check_id}", f"{sev!r} is not one of {allowed}") from None
    return Config(
        proxies=_strings(inspection, "proxies", source, "inspection.proxies"),
        enable=_strings(checks, "enable", source, "checks.enable"),
        disable=_strings(checks, "disable", source, "checks.disable"),
        severity=severity,
        source=source,
    )


def _strings(table: dict[str, Any], key: str, source: str, place: str) -> tuple[str, ...]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(source, place, "must be a list of strings")
    return tuple(value)


def _table(table: dict[str, Any], key: str, source: str, place: str) -> dict[str, Any]:
    value = table.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(source, place, "must be a table")
    return value
