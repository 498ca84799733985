"""What a notebook lifecycle configuration says about proxies.

Seed 000 sets HTTP(S)_PROXY and NO_PROXY in /etc/profile.d from an OnStart script; others set
them in the Jupyter environment or with `conda env config vars`. We do not execute shell: we
look for assignments of the proxy variables anywhere in the decoded scripts, resolve simple
`$VAR` references between them, and redact credentials embedded in proxy URLs.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

PROXY_VARS = ("http_proxy", "https_proxy")
NO_PROXY_VARS = ("no_proxy",)
_ASSIGN = re.compile(
    r"""(?<![A-Za-z0-9_])(?P<name>(?:https?|no)_proxy)\s*[=:]\s*(?P<value>"[^"\n]*"|'[^'\n]*'|[^\s;&|"'>]+)""",
    re.IGNORECASE,
)
# Everything between "scheme://" and the LAST "@" of the authority: a password may itself hold
# "@" ("user:p@ss@proxy"), and stopping at the first one would leave its tail in the output.
_CREDS = re.compile(r"(?<=://)[^/\s?#]*@")


@dataclass(frozen=True)
class ProxySetting:
    variable: str  # as written, e.g. HTTPS_PROXY
    url: str  # credentials redacted
    host: str
    port: int | None


@dataclass(frozen=True)
class LifecycleSettings:
    proxies: tuple[ProxySetting, ...]
    no_proxy: tuple[str, ...]  # entries of NO_PROXY/no_proxy, as written
    unreadable: tuple[str, ...]  # scripts that could not be decoded

    @property
    def proxy_hosts(self) -> tuple[str, ...]:
        return tuple(sorted({p.host for p in self.proxies if p.host}))

    def no_proxy_covers(self, address: str) -> bool:
        return any(entry in (address, "*") for entry in self.no_proxy)


def redact(text: str) -> str:
    """Hide `user:password@` in URLs: lifecycle scripts leak into findings otherwise."""
    return _CREDS.sub("***@", text)


def redact_proxy(value: str) -> str:
    """A proxy setting as findings may show it: with or without a scheme, no credentials."""
    if "@" not in value:
        return value
    if "://" in value:
        return redact(value)
    # "user:secret@proxy:3128" is a valid proxy setting too (curl, pip and requests accept it).
    return "***@" + value.rsplit("@", 1)[1]


def decode_scripts(config: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """Decoded OnCreate/OnStart contents of a DescribeNotebookInstanceLifecycleConfig response."""
    texts, bad = [], []
    for hook in ("OnCreate", "OnStart"):
        for i, entry in enumerate(config.get(hook) or []):
            content = entry.get("Content") if isinstance(entry, Mapping) else None
            if not isinstance(content, str):
                continue
            try:
                texts.append(base64.b64decode(content, validate=False).decode("utf-8", "replace"))
            except (binascii.Error, ValueError):
                bad.append(f"{hook}[{i}]")
    return texts, bad


def parse_lifecycle(config: Mapping[str, Any]) -> LifecycleSettings:
    texts, bad = decode_scripts(config)
    return parse_scripts(texts, bad)


def parse_scripts(texts: Iterable[str], unreadable: Iterable[str] = ()) -> LifecycleSettings:
    values: dict[str, list[tuple[str, str]]] = {}
    for text in texts:
        for m in _ASSIGN.finditer(text.replace("\\$", "$")):
            name = m.group("name")
            value = m.group("value").strip("\"'")
            values.setdefault(name.lower(), []).append((name, value))
    resolved = {k: [(n, _expand(v, values)) for n, v in vs] for k, vs in values.items()}
    proxies = []
    for var in PROXY_VARS:
        for name, value in resolved.get(var, []):
            setting = _proxy_setting(name, value)
            if setting is not None:
                proxies.append(setting)
    no_proxy: list[str] = []
    for name, value in resolved.get("no_proxy", []):
        _ = name
        no_proxy.extend(e.strip() for e in value.split(",") if e.strip() and not e.strip().startswith("$"))
    uniq = {(p.variable, p.url): p for p in proxies}
    return LifecycleSettings(
        proxies=tuple(uniq[k] for k in sorted(uniq)),
        no_proxy=tuple(sorted(set(no_proxy))),
        unreadable=tuple(unreadable),
    )


def _expand(value: str, values: Mapping[str, list[tuple[str, str]]]) -> str:
    m = re.fullmatch(r"\$\{?([A-Za-z_]+)\}?", value)
    if not m:
        return value
    for _name, other in values.get(m.group(1).lower(), []):
        if not other.startswith("$"):
            return other
    return value


def _proxy_setting(variable: str, value: str) -> ProxySetting | None:
    if not value or value.startswith("$"):
        return None
    url = value if "://" in value else f"http://{value}"
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    host = parts.hostname or ""
    if not host:
        return None
    return ProxySetting(variable=variable, url=redact_proxy(value), host=host, port=port)
