"""`safemaker.toml`: sanctioned proxies and inspection appliances, which checks run, severity overrides,
what is reported, suppressions.

Validated key by key so that a typo gives one line naming the file and the key, instead of a
setting that silently does nothing.

Which file: `--config PATH`, else the file named by the environment variable SAFEMAKER_CONFIG,
else `safemaker.toml` in the working directory if there is one (`find_config`). A pipeline that
checks out a repository holding safemaker.toml gets its suppressions without extra flags, and the
summary line names the file used, so that nobody wonders which settings applied.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from safemaker.scanner.errors import ConfigError
from safemaker.scanner.model import Severity, Status, Suppression
from safemaker.scanner.triage.suppress import SuppressScope

CONFIG_ENV = "SAFEMAKER_CONFIG"
CONFIG_NAME = "safemaker.toml"


@dataclass(frozen=True)
class Config:
    proxies: tuple[str, ...] = ()  # instance IDs or IP addresses
    # Gateway Load Balancer endpoint services (or vpce- endpoint IDs) declared as inspection points
    appliances: tuple[str, ...] = ()
    enable: tuple[str, ...] = ()  # empty = all checks
    disable: tuple[str, ...] = ()
    severity: dict[str, Severity] = field(default_factory=dict)
    source: str = "<defaults>"
    suppress: tuple[Suppression, ...] = ()
    #: [[suppress]] index -> its account/region/tags scope (only for tables that set one)
    suppress_scopes: dict[int, SuppressScope] = field(default_factory=dict)
    #: [report]: only findings at or above this severity and with these statuses are written out
    report_severity: Severity | None = None
    report_status: tuple[Status, ...] = ()
    # (key, value glob): write out only findings whose resource carries a matching tag ([report] tags)
    report_tags: tuple[tuple[str, str], ...] = ()


_ALLOWED = {
    "inspection": {"proxies", "appliances"},
    "checks": {"enable", "disable", "severity"},
    "report": {"severity", "status", "tags"},
    "suppress": {"check", "resource", "justification", "expires", "account", "region", "tags"},
}
_ARRAYS = {"suppress"}  # sections written as arrays of tables: [[suppress]]
_CHECK_ID = re.compile(r"^[A-Z][A-Z0-9]*-[0-9]{3}$")
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
#: A real safemaker.toml is a few kilobytes; the TOML parser is pure Python and slow enough that
#: a 15 MB file took 23 s, so anything this large is refused before parsing.
MAX_CONFIG_BYTES = 1024 * 1024


def find_config(path: str | None) -> str | None:
    """The configuration file to read: --config, else $SAFEMAKER_CONFIG, else ./safemaker.toml if present."""
    if path is not None:
        return path
    from_env = os.environ.get(CONFIG_ENV)
    if from_env:
        return from_env  # a missing file named here is an error, not a silent default
    return CONFIG_NAME if os.path.isfile(CONFIG_NAME) else None


def load_config(path: str | None) -> Config:
    if path is None:
        return Config()
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_CONFIG_BYTES + 1)
        if len(data) > MAX_CONFIG_BYTES:
            raise ConfigError(path, "", f"larger than the {MAX_CONFIG_BYTES} byte limit for a configuration file")
        doc = tomllib.loads(data.decode("utf-8"))
    except OSError as exc:
        raise ConfigError(path, "", f"cannot read file: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, "", f"not valid TOML: {exc}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(path, f"byte {exc.start}", "not UTF-8 text") from None
    except RecursionError:
        raise ConfigError(path, "", "not valid TOML: nested too deeply") from None
    except ValueError as exc:  # e.g. an integer literal longer than Python converts (4300 digits)
        raise ConfigError(path, "", f"not valid TOML: {exc}") from None
    return parse_config(doc, path)


def parse_config(doc: dict[str, Any], source: str) -> Config:
    for section, value in doc.items():
        if section not in _ALLOWED:
            raise ConfigError(source, section, f"unknown section (known: {', '.join(sorted(_ALLOWED))})")
        if section in _ARRAYS:
            continue  # checked entry by entry below
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
    report = doc.get("report", {})
    report_severity = None
    if "severity" in report:
        try:
            report_severity = Severity(report["severity"])
        except (ValueError, TypeError):
            allowed = ", ".join(s.value for s in Severity)
            raise ConfigError(source, "report.severity", f"{report['severity']!r} is not one of {allowed}") from None
    report_status = []
    for value in _strings(report, "status", source, "report.status"):
        try:
            report_status.append(Status(value.upper()))
        except ValueError:
            raise ConfigError(source, "report.status", f"{value!r} is not one of PASS, FAIL, ERROR") from None
    report_tags = tuple(tag_filter(value, source, "report.tags") for value in _strings(report, "tags", source,
                                                                                        "report.tags"))
    suppress = _suppressions(doc.get("suppress", []), source)
    return Config(
        report_severity=report_severity,
        report_status=tuple(report_status),
        report_tags=report_tags,
        suppress_scopes={i: scope for i, entry in enumerate(doc.get("suppress", []), start=1)
                         if (scope := _scope(entry, i, source)) is not None},
        proxies=_strings(inspection, "proxies", source, "inspection.proxies"),
        appliances=_strings(inspection, "appliances", source, "inspection.appliances"),
        enable=_strings(checks, "enable", source, "checks.enable"),
        disable=_strings(checks, "disable", source, "checks.disable"),
        severity=severity,
        source=source,
        suppress=suppress,
    )


def _scope(entry: dict[str, Any], index: int, source: str) -> SuppressScope | None:
    """The account/region/tags narrowing of one [[suppress]] table, or None when it sets none."""
    place = f"[[suppress]] #{index}"
    globs = {}
    for key in ("account", "region"):
        value = entry.get(key, "*")
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(source, f"{place} {key}", "must be a non-empty string (a glob)")
        globs[key] = value
    tags = entry.get("tags", {})
    if not isinstance(tags, dict) or not all(isinstance(v, str) for v in tags.values()):
        raise ConfigError(source, f"{place} tags", 'must be a table of strings, e.g. tags = {env = "sandbox"}')
    if globs == {"account": "*", "region": "*"} and not tags:
        return None
    return SuppressScope(account=globs["account"], region=globs["region"], tags=tuple(sorted(tags.items())))


def _suppressions(value: Any, source: str) -> tuple[Suppression, ...]:
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise ConfigError(source, "suppress", "must be an array of tables: write each one as [[suppress]]")
    return tuple(_suppression(entry, i, source) for i, entry in enumerate(value, start=1))


def _suppression(entry: dict[str, Any], index: int, source: str) -> Suppression:
    place = f"[[suppress]] #{index}"
    for key in entry:
        if key not in _ALLOWED["suppress"]:
            known = ", ".join(sorted(_ALLOWED["suppress"]))
            raise ConfigError(source, f"{place} {key}", f"unknown key (known: {known})")
    check = entry.get("check")
    if check is None:
        raise ConfigError(source, f"{place} check", "missing: name the check ID to suppress, e.g. NET-001")
    if not isinstance(check, str) or not _CHECK_ID.match(check):
        raise ConfigError(source, f"{place} check", f"{check!r} is not a check ID such as NET-001")
    resource = entry.get("resource", "*")
    if not isinstance(resource, str) or not resource.strip():
        raise ConfigError(source, f"{place} resource", "must be a non-empty glob on the resource ID, e.g. nb-*")
    justification = entry.get("justification")
    if justification is None:
        raise ConfigError(source, f"{place} justification",
                          "missing: every suppression must say why the finding is accepted")
    if not isinstance(justification, str) or not justification.strip():
        raise ConfigError(source, f"{place} justification", "must be a non-empty string")
    return Suppression(check=check, resource=resource, justification=justification.strip(),
                       expires=_expiry(entry.get("expires"), source, f"{place} expires"), index=index)


def _expiry(value: Any, source: str, place: str) -> date | None:
    """A TOML date (2026-06-30) or the same as a string; a date-time is refused, not truncated."""
    if value is None:
        return None
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and _DATE.match(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    shown = value.isoformat() if isinstance(value, datetime) else repr(value)
    raise ConfigError(source, place, f"{shown} is not a date (YYYY-MM-DD)")


def tag_filter(text: str, source: str, place: str) -> tuple[str, str]:
    """`KEY=VALUE` (the value a glob, `*` for any value) as (key, value)."""
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise ConfigError(source, place, f"{text!r} is not KEY=VALUE (e.g. owner=team-a, or owner=* for any value)")
    return key, value


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
