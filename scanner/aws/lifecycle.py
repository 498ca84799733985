"""What a notebook lifecycle configuration sets for proxies, read as the shell reads it.

Lifecycle configurations are shell scripts, and what counts is what the shell would set
(semantics rule 29): comments and quoted text are not assignments, a later assignment replaces
an earlier one, and `export`, `declare -x`, `VAR=… cmd`, `env VAR=…`, `conda env config vars set`
and lines written into files the notebook's environment reads all count. The scripts are
tokenised by `shell.py` and walked command by command; nothing is executed.

Order: OnCreate scripts, then OnStart scripts, each top to bottom (OnStart runs after OnCreate
on the first start and alone on every later one, so its values are the ones a running notebook
has); within that order a later assignment to a variable replaces an earlier one. Writes into
environment files are read where they are written (`>` empties the file first, dropping what
earlier writes to it set).

Environments: "the notebook environment" (assignments in the scripts themselves,
`/etc/environment`, `/etc/profile(.d)`, `/etc/bash.bashrc`, `~/.bashrc`, `~/.bash_profile`,
`~/.profile`, any `/home/*/` or `/root/` copy of those); a conda environment
(`conda env config vars set`, `…/etc/conda/activate.d/*`) and a Jupyter kernel (`kernel.json`'s
`env`) inherit it and override what they set. Each is judged separately.

Unknown values: a value computed when the script runs (`$(…)`, backticks, `${…}` with
operators, a `$VAR` the script never set) is `Unknown`, with the script and line and never the
text. A command whose effect on the environment cannot be read (`eval`, `source` of a file the
configuration does not write, `curl … | bash`, a script file run by an interpreter, a download or
copy into an environment file) makes every proxy variable of that environment unknown until a
later assignment replaces it. Known limits: conditions (`if`, `||`) are not evaluated, both
branches count; a downloaded script could write a file read after ours, which is not assumed.

NO_PROXY is decided by the function botocore uses (semantics rule 30): `botocore.utils`
`should_bypass_proxies` calls `urllib.request.proxy_bypass`, which on Linux (where notebooks
run) is `proxy_bypass_environment`; it is called here with the proxies the environment yields.
CIDR entries are not honoured by it.

Proxy URLs are shown only through `redact_proxy`, which drops everything before the last `@`.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any
from urllib.parse import urlsplit

from safemaker.scanner.aws.shell import MARK, Command, Lit, Param, Part, Word, parse

IMDS = "169.254.169.254"
PROXY_VARS = ("http_proxy", "https_proxy")
_VARS = frozenset({"http_proxy", "https_proxy", "no_proxy"})
BASE = "the notebook environment"
# Only schemes proxies use are kept in view: "user://pw@host" would otherwise show "user".
_SCHEME = re.compile(r"^(https?|socks[45][ah]?)://", re.IGNORECASE)
_ENV_FILES = re.compile(r"^(/etc/environment|/etc/profile|/etc/profile\.d/[^/]+|/etc/bash\.?bashrc"
                        r"|(~[^/]*|/home/[^/]+|/root)/\.(bashrc|bash_profile|bash_login|profile))$")
_CONDA_FILE = re.compile(r"/etc/conda/activate\.d/[^/]+$")
_CONDA_NAME = re.compile(r"/envs/([^/]+)/etc/conda/")
_KERNEL_FILE = re.compile(r"/kernels/([^/]+)/kernel\.json$")
_ASSIGN_TEXT = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)=")
_SHELLS = frozenset({"bash", "sh", "zsh", "dash", "ksh"})
_WRITERS = frozenset({"cp", "mv", "install", "ln", "rsync", "curl", "wget", "aws", "sed", "dd", "tar", "unzip",
                      "patch", "jq", "python", "python3", "perl", "gsutil"})
_WRAPPERS = frozenset({"nohup", "exec", "command", "builtin", "time", "nice", "stdbuf"})
# botocore.utils.should_bypass_proxies -> urllib.request.proxy_bypass, which is this function on
# Linux (typeshed does not declare it; tests/aws/test_lifecycle.py checks the chain).
_BYPASS: Callable[[str, Mapping[str, str]], object] = urllib.request.proxy_bypass_environment  # type: ignore[attr-defined]
_SUDO_ARG = frozenset({"-u", "-g", "-C", "-D", "-h", "-p", "-r", "-t", "-U", "-T"})


@dataclass(frozen=True)
class Unknown:
    """A value only known when the script runs; `reason` names the script and line."""

    reason: str


Value = str | Unknown


def redact_proxy(value: str) -> str:
    """A proxy setting as any output may show it: the whole userinfo (everything before the last
    `@`, which may itself hold `@`, `/`, `:`, spaces or quotes) becomes `***`. The only function
    through which proxy URLs reach findings, reports and `explain`."""
    scheme = m.group() if (m := _SCHEME.match(value)) else ""
    rest = value[len(scheme):]
    if "@" not in rest:
        return value
    return f"{scheme}***@{rest.rsplit('@', 1)[1]}"


@dataclass(frozen=True)
class ProxySetting:
    variable: str  # as written, e.g. HTTPS_PROXY
    url: str  # redacted
    host: str
    port: int | None
    environment: str = BASE


def proxy_setting(variable: str, value: str, environment: str = BASE) -> ProxySetting | None:
    """The host and port a proxy value names (userinfo dropped first, so a password holding `/`
    or `@` cannot be taken for the host), or None when it names no host."""
    shown = redact_proxy(value.strip())
    rest = shown[m.end():] if (m := _SCHEME.match(shown)) else shown
    rest = rest.rsplit("@", 1)[-1]
    try:
        parts = urlsplit(f"http://{rest}")
        host = parts.hostname or ""
    except ValueError:
        return None
    try:
        port = parts.port
    except ValueError:
        port = None
    if not host:
        return None
    return ProxySetting(variable=variable, url=shown, host=host, port=port, environment=environment)


def environ_proxies(environ: Mapping[str, str]) -> dict[str, str]:
    """What `urllib.request.getproxies_environment()` (botocore's `getproxies` on Linux) returns
    for this environment rather than the running process's. Same precedence: any `*_proxy` name
    in any case first, then names ending in lower-case `_proxy` win, and an empty one removes the
    scheme. tests/aws/test_lifecycle.py checks it against the stdlib function."""
    found: dict[str, str] = {}
    for name, value in environ.items():
        if value and name.lower().endswith("_proxy"):
            found[name.lower()[:-6]] = value
    for name, value in environ.items():
        if name.endswith("_proxy"):
            if value:
                found[name.lower()[:-6]] = value
            else:
                found.pop(name.lower()[:-6], None)
    return found


def no_proxy_covers(host: str, no_proxy: str | None) -> bool:
    """Does this NO_PROXY value send requests for `host` direct, as botocore decides it? The one
    answer to that question in the project."""
    return bool(_BYPASS(host, {"no": no_proxy} if no_proxy else {}))


def covering_entry(host: str, no_proxy: str) -> str:
    """The NO_PROXY entry that makes botocore bypass the proxy for `host` (for messages)."""
    return next((e.strip() for e in no_proxy.split(",") if e.strip() and no_proxy_covers(host, e.strip())),
                no_proxy)


class Route(Enum):
    NO_PROXY_SET = "no proxy set"
    DIRECT = "direct"  # a proxy is set and NO_PROXY sends the metadata service direct
    PROXIED = "proxied"  # metadata requests go to the proxy
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Environment:
    """The proxy variables of one environment as the scripts leave them. `variables` maps names
    as written to a value, an Unknown, or None (unset); `wild` stands for every proxy variable
    not in `variables` after a command whose effect is unknown."""

    name: str
    variables: Mapping[str, Value | None]
    wild: Unknown | None = None

    def proxies(self) -> dict[str, Value]:
        """Scheme ("http", "https", "no") -> value, by botocore's precedence; Unknown where the
        answer depends on a run-time value."""
        environ: dict[str, str] = {}
        unknowns: dict[str, Unknown] = {}
        names = list(self.variables)
        if self.wild is not None:
            names += [n for v in sorted(_VARS) for n in (v, v.upper()) if n not in self.variables]
        for name in names:
            value = self.variables.get(name, self.wild)
            if isinstance(value, Unknown):
                token = f"{MARK}{len(unknowns)}{MARK}"
                unknowns[token] = value
                environ[name] = token
            elif value is not None:
                environ[name] = value
        out: dict[str, Value] = {}
        for scheme, value in environ_proxies(environ).items():
            out[scheme] = unknowns.get(value, value)
        return out

    def settings(self) -> list[ProxySetting]:
        """Known, non-empty HTTP(S) proxy variables in force (both cases: clients differ)."""
        found = []
        for name, value in self.variables.items():
            if name.lower() in PROXY_VARS and isinstance(value, str) and value.strip():
                setting = proxy_setting(name, value, self.name)
                if setting is not None:
                    found.append(setting)
        return found


@dataclass(frozen=True)
class ImdsRoute:
    """Where one environment's SDK requests for the instance metadata service go."""

    environment: str
    route: Route
    proxies: tuple[ProxySetting, ...]
    no_proxy: str | None  # NO_PROXY as botocore reads it, when known
    reason: str = ""  # for Route.UNKNOWN: the script and line of the run-time value


def imds_route(env: Environment) -> ImdsRoute:
    schemes = env.proxies()
    settings = tuple(env.settings())
    no = schemes.get("no")
    no_known = no if isinstance(no, str) else None
    set_known = any(isinstance(schemes.get(s), str) for s in ("http", "https"))
    unknown_proxy = next((v for s in ("http", "https") if isinstance(v := schemes.get(s), Unknown)), None)
    if not set_known and unknown_proxy is None:
        return ImdsRoute(env.name, Route.NO_PROXY_SET, settings, no_known)
    if isinstance(no, Unknown):
        return ImdsRoute(env.name, Route.UNKNOWN, settings, None, no.reason)
    if no_proxy_covers(IMDS, no):
        return ImdsRoute(env.name, Route.DIRECT, settings, no)
    if set_known:
        return ImdsRoute(env.name, Route.PROXIED, settings, no)
    assert unknown_proxy is not None
    return ImdsRoute(env.name, Route.UNKNOWN, settings, no, unknown_proxy.reason)


@dataclass(frozen=True)
class LifecycleSettings:
    environments: tuple[Environment, ...]
    unreadable: tuple[str, ...] = ()  # scripts that could not be decoded

    @property
    def proxies(self) -> tuple[ProxySetting, ...]:
        """Every proxy setting in force in some environment (overridden values are gone)."""
        uniq = {(p.variable, p.url, p.environment): p for env in self.environments for p in env.settings()}
        return tuple(uniq[k] for k in sorted(uniq))

    @property
    def proxy_hosts(self) -> tuple[str, ...]:
        return tuple(sorted({p.host for p in self.proxies if p.host}))

    @property
    def no_proxy(self) -> tuple[str, ...]:
        """NO_PROXY entries in force anywhere, for evidence."""
        entries: set[str] = set()
        for env in self.environments:
            value = env.proxies().get("no")
            if isinstance(value, str):
                entries.update(e.strip() for e in value.split(",") if e.strip())
        return tuple(sorted(entries))

    @property
    def unknown_proxies(self) -> tuple[str, ...]:
        """Why a proxy variable's value cannot be known (it may name a proxy we cannot see)."""
        reasons = []
        for env in self.environments:
            for scheme in ("http", "https"):
                value = env.proxies().get(scheme)
                if isinstance(value, Unknown) and value.reason not in reasons:
                    reasons.append(value.reason)
        return tuple(reasons)

    def imds_routes(self) -> tuple[ImdsRoute, ...]:
        return tuple(imds_route(env) for env in self.environments)


def decode_scripts(config: Mapping[str, Any]) -> tuple[list[tuple[str, str]], list[str]]:
    """(label, text) of the OnCreate then OnStart contents, and the labels that did not decode."""
    texts, bad = [], []
    for hook in ("OnCreate", "OnStart"):
        for i, entry in enumerate(config.get(hook) or []):
            content = entry.get("Content") if isinstance(entry, Mapping) else None
            if not isinstance(content, str):
                continue
            try:
                raw = base64.b64decode(content, validate=False).decode("utf-8", "replace")
            except (binascii.Error, ValueError):
                bad.append(f"{hook}[{i}]")
                continue
            texts.append((f"{hook}[{i}]", raw.replace(MARK, "")))
    return texts, bad


def parse_lifecycle(config: Mapping[str, Any]) -> LifecycleSettings:
    texts, bad = decode_scripts(config)
    return parse_scripts(texts, bad)


def parse_scripts(texts: Iterable[str | tuple[str, str]], unreadable: Iterable[str] = ()) -> LifecycleSettings:
    """Settings of scripts given in run order, as text or (label, text)."""
    reader = _Reader()
    for n, item in enumerate(texts):
        label, text = item if isinstance(item, tuple) else (f"script {n + 1}", item)
        reader.run(parse(text.replace(MARK, "")), _Shell(label, {}, BASE, None))
    return LifecycleSettings(reader.environments(), tuple(unreadable))


# --- the walk -------------------------------------------------------------------------------------

@dataclass
class _Shell:
    label: str  # "OnStart[0]", or where a file read later was written
    scope: dict[str, Value]
    context: str  # the environment assignments go to
    file: str | None  # the environment file being read, if any
    conda: str = "base"
    line_offset: int = 0
    fixed_where: str | None = None  # content of a written file: name the writing line

    def where(self, cmd: Command) -> str:
        return self.fixed_where or f"{self.label} line {cmd.line + self.line_offset}"


@dataclass
class _Event:
    context: str
    var: str  # "*": every proxy variable becomes `value`
    value: Value | None
    file: str | None


@dataclass
class _Reader:
    events: list[_Event] = field(default_factory=list)
    marks: dict[str, str] = field(default_factory=dict)
    login: dict[str, Value] = field(default_factory=dict)  # variables of the environment files
    kernels: dict[str, tuple[str, str]] = field(default_factory=dict)  # path -> (content, where)

    # -- values
    def value(self, parts: Iterable[Part], sh: _Shell, where: str, name: str) -> Value:
        text = []
        for part in parts:
            if isinstance(part, Lit):
                text.append(part.text)
            elif isinstance(part, Param):
                got = sh.scope.get(part.name)
                if got is None:
                    return Unknown(f"{where}: {name} uses ${part.name}, which the script does not set")
                if isinstance(got, Unknown):
                    return got
                text.append(got)
            elif part.what.startswith(MARK):
                return Unknown(self.marks.get(part.what, f"{where}: {name} is computed at run time"))
            else:
                return Unknown(f"{where}: {name} is computed at run time ({part.what})")
        return "".join(text)

    def text(self, parts: Iterable[Part], sh: _Shell, where: str) -> str:
        """Text to be written somewhere, with MARK-delimited stand-ins for what is unknown."""
        out = []
        for part in parts:
            got = self.value((part,), sh, where, "a value written to a file")
            if isinstance(got, Unknown):
                key = f"{MARK}{len(self.marks)}{MARK}"
                self.marks[key] = got.reason
                out.append(key)
            else:
                out.append(got)
        return "".join(out)

    def path(self, word: Word, sh: _Shell) -> str | None:
        out = []
        for part in word.parts:
            if isinstance(part, Param) and part.name == "HOME" and part.name not in sh.scope:
                out.append("~")
                continue
            got = self.value((part,), sh, "", "")
            if isinstance(got, Unknown):
                return None
            out.append(got)
        return "".join(out)

    # -- effects
    def assign(self, sh: _Shell, name: str, value: Value | None, *, scope: bool = True,
               context: str | None = None) -> None:
        if scope:
            if value is None:
                sh.scope.pop(name, None)
            else:
                sh.scope[name] = value
        if name.lower() in _VARS:
            self.events.append(_Event(context or sh.context, name, value, sh.file))

    def opaque(self, sh: _Shell, reason: str, context: str | None = None) -> None:
        self.events.append(_Event(context or sh.context, "*", Unknown(reason), sh.file))

    def write(self, sh: _Shell, path: str, content: str | None, append: bool, where: str) -> None:
        context = _env_context(path)
        if context is None:
            return
        if not append:
            self.events = [e for e in self.events if e.file != path]
            if path in self.kernels:
                del self.kernels[path]
        if content is None:
            self.events.append(_Event(context, "*", Unknown(f"{where}: writes {path} with content the "
                                                            "configuration does not show"), path))
            return
        if _KERNEL_FILE.search(path):
            old = self.kernels.get(path, ("", where))[0]
            self.kernels[path] = (old + content, where)
            return
        child = _Shell(sh.label, self.login, context, path, fixed_where=f"{where} (written to {path})")
        self.run(parse(content), child)

    # -- commands
    def run(self, commands: list[Command], sh: _Shell) -> None:
        for cmd in commands:
            self.command(cmd, sh)

    def command(self, cmd: Command, sh: _Shell) -> None:
        where = sh.where(cmd)
        words = list(cmd.words)
        prefix = []
        while words and words[0].assign is not None:
            prefix.append(words.pop(0))
        for w in prefix:
            assert w.assign is not None
            self.assign(sh, w.assign, self.value(w.parts, sh, where, w.assign), scope=not words)
        self.redirects(cmd, sh, where)
        if not words:
            return
        self.simple(cmd, words, sh, where)

    def redirects(self, cmd: Command, sh: _Shell, where: str) -> None:
        for r in cmd.redirects:
            if r.op not in (">", ">>", ">|", "&>", "&>>") or r.target is None:
                continue
            path = self.path(r.target, sh)
            if path is None or _env_context(path) is None:
                continue
            self.write(sh, path, self.output(cmd, sh, where), r.op in (">>", "&>>"), where)

    def output(self, cmd: Command | None, sh: _Shell, where: str) -> str | None:
        """What a command prints, when the script shows it (echo, printf, cat of a heredoc)."""
        if cmd is None:
            return None
        words = [w for w in cmd.words if w.assign is None]
        words = _unwrap(words)
        if not words:
            return None
        name = words[0].literal()
        args = words[1:]
        body = next((r.body for r in cmd.redirects if r.body is not None), None)
        if name == "echo":
            newline, escapes = "\n", False
            while args and (flag := args[0].literal()) in ("-n", "-e", "-E", "-ne", "-en"):
                newline = "" if "n" in flag else newline
                escapes = "e" in flag
                args = args[1:]
            text = " ".join(self.text(a.parts, sh, where) for a in args) + newline
            return _escapes(text) if escapes else text
        if name == "printf" and args:
            fmt = _escapes(self.text(args[0].parts, sh, where))
            for a in args[1:]:
                if "%s" not in fmt:
                    break
                fmt = fmt.replace("%s", self.text(a.parts, sh, where), 1)
            return None if re.search(r"%[^%]", fmt) else fmt.replace("%%", "%")
        if name in ("cat", "tee") and body is not None:
            return self.text(body, sh, where)
        if cmd.pipe_in is not None and (name == "tee" or (name == "cat" and not args)):
            return self.output(cmd.pipe_in, sh, where)
        return None

    def simple(self, cmd: Command, words: list[Word], sh: _Shell, where: str) -> None:
        # sudo / env / nohup …: the command they run; env's assignments count
        while words:
            name = words[0].literal()
            if name == "sudo":
                words = words[1:]
                login = False
                while words and (flag := words[0].literal() or "").startswith("-"):
                    words = words[2:] if flag in _SUDO_ARG else words[1:]
                    login = login or flag in ("-i", "-s", "--login", "--shell")
                if not words and login:
                    self.interpreter(cmd, [], sh, where)
                    return
            elif name == "env":
                words = words[1:]
                while words and ((words[0].literal() or "").startswith("-") or words[0].assign is not None
                                 or _split_assign(words[0]) is not None):
                    split = (words[0].assign, words[0].parts) if words[0].assign else _split_assign(words[0])
                    if split is not None and split[0] is not None:
                        self.assign(sh, split[0], self.value(split[1], sh, where, split[0]), scope=False)
                    words = words[1:]
            elif name in _WRAPPERS:
                words = words[1:]
                if name == "nice" and words and words[0].literal() == "-n":
                    words = words[2:]
            else:
                break
        if not words:
            return
        name = words[0].literal()
        args = words[1:]
        if name is None:
            self.opaque(sh, f"{where}: runs a command computed at run time")
        elif name in ("export", "declare", "typeset", "readonly", "local"):
            for w in args:
                if w.assign is not None:
                    self.assign(sh, w.assign, self.value(w.parts, sh, where, w.assign))
        elif name == "unset":
            for w in args:
                text = w.literal()
                if text and not text.startswith("-"):
                    self.assign(sh, text, None)
        elif name == "eval":
            self.opaque(sh, f"{where}: eval runs a command computed at run time")
        elif name in ("source", "."):
            self.source(args, sh, where)
        elif name == "conda":
            self.conda(args, sh, where)
        elif name in _SHELLS or name == "su":
            self.interpreter(cmd, args, sh, where, su=name == "su")
        elif name == "tee":
            content = self.output(cmd, sh, where)
            append = any((a.literal() or "") in ("-a", "--append") for a in args)
            for a in args:
                path = self.path(a, sh)
                if path and not path.startswith("-"):
                    self.write(sh, path, content, append, where)
        elif name in _WRITERS:
            for a in args:
                path = self.path(a, sh) or ""
                path = path.split("=", 1)[1] if path.startswith("of=") else path
                context = _env_context(path)
                if context is not None:
                    self.write(sh, path, None, False, where)

    def source(self, args: list[Word], sh: _Shell, where: str) -> None:
        path = self.path(args[0], sh) if args else None
        if path is None:
            self.opaque(sh, f"{where}: sources a file named at run time")
            return
        base = path.rsplit("/", 1)[-1]
        if base == "activate":
            sh.conda = (args[1].literal() or "base") if len(args) > 1 else "base"
        elif base == "deactivate":
            sh.conda = "base"
        elif _env_context(path) is None:
            self.opaque(sh, f"{where}: sources {path}, whose content the configuration does not show")

    def conda(self, args: list[Word], sh: _Shell, where: str) -> None:
        texts = [a.literal() for a in args]
        if texts[:1] == ["activate"]:
            sh.conda = (texts[1] or "base") if len(texts) > 1 else "base"
            return
        if texts[:3] not in (["env", "config", "vars"],) or len(texts) < 4 or texts[3] not in ("set", "unset"):
            return
        env = sh.conda
        rest = args[4:]
        for i in range(len(rest)):
            if texts[4 + i] in ("-n", "--name", "-p", "--prefix") and i + 1 < len(rest):
                env = rest[i + 1].literal() or env
        context = f"conda environment {env}"
        skip = False
        for i, a in enumerate(rest):
            text = texts[4 + i] or ""
            if skip or text in ("-n", "--name", "-p", "--prefix"):
                skip = not skip
                continue
            if texts[3] == "unset" and not text.startswith("-"):
                self.assign(sh, text, None, scope=False, context=context)
            elif (split := _split_assign(a)) is not None:
                self.assign(sh, split[0], self.value(split[1], sh, where, split[0]), scope=False, context=context)

    def interpreter(self, cmd: Command, args: list[Word], sh: _Shell, where: str, su: bool = False) -> None:
        """bash/sh/su/`sudo -i`: a child shell whose script is `-c`, a heredoc, a pipe or a file."""
        flags = [a.literal() or "" for a in args]
        if "-c" in flags:
            i = flags.index("-c") + 1
            if i < len(args) and (script := args[i].literal()) is not None:
                self.child(script, sh, cmd)
            else:
                self.opaque(sh, f"{where}: runs a shell command computed at run time")
            return
        operands = [a for a in args if not (a.literal() or "").startswith("-")]
        if operands and not su:
            self.opaque(sh, f"{where}: runs a script file whose content the configuration does not show")
            return
        body = next((r.body for r in cmd.redirects if r.body is not None), None)
        if body is not None:
            self.child(self.text(body, sh, where), sh, cmd, offset=1)
        elif cmd.pipe_in is not None:
            script = self.output(cmd.pipe_in, sh, where)
            if script is None:
                self.opaque(sh, f"{where}: runs the output of another command as a script")
            else:
                self.child(script, sh, cmd)

    def child(self, script: str, sh: _Shell, cmd: Command, offset: int = 0) -> None:
        inner = _Shell(sh.label, dict(sh.scope), sh.context, sh.file, sh.conda,
                       line_offset=cmd.line + sh.line_offset + offset - 1, fixed_where=sh.fixed_where)
        self.run(parse(script), inner)

    # -- the end
    def environments(self) -> tuple[Environment, ...]:
        for path, (content, where) in self.kernels.items():
            context = _env_context(path) or path
            for name, value in _kernel_env(content, where, self.marks):
                self.events.append(_Event(context, name, value, path))
        states: dict[str, tuple[dict[str, Value | None], list[Unknown | None]]] = {BASE: ({}, [None])}
        for e in self.events:
            variables, wild = states.setdefault(e.context, ({}, [None]))
            if e.var == "*":
                if isinstance(e.value, Unknown):
                    variables.clear()
                    wild[0] = e.value
            else:
                variables[e.var] = e.value
        base_vars, base_wild = states[BASE]
        out = [Environment(BASE, dict(base_vars), base_wild[0])]
        for name, (variables, wild) in states.items():
            if name == BASE:
                continue
            if wild[0] is not None:
                out.append(Environment(name, dict(variables), wild[0]))
            else:
                out.append(Environment(name, {**base_vars, **variables}, base_wild[0]))
        return tuple(out)


def _env_context(path: str) -> str | None:
    """The environment a file feeds, or None when the notebook's environment does not read it."""
    path = re.sub(r"/+", "/", path)
    if _ENV_FILES.match(path):
        return BASE
    if _CONDA_FILE.search(path):
        m = _CONDA_NAME.search(path)
        return f"conda environment {m.group(1) if m else 'base'}"
    if m := _KERNEL_FILE.search(path):
        return f"Jupyter kernel {m.group(1)}"
    return None


def _kernel_env(content: str, where: str, marks: Mapping[str, str]) -> list[tuple[str, Value]]:
    """Proxy variables of a kernel.json's `env`; all unknown when the file does not parse."""
    try:
        doc = json.loads(content)
    except ValueError:
        if MARK in content or "_proxy" in content.lower():
            reason = Unknown(f"{where}: writes a kernel.json whose env cannot be read")
            return [(v, reason) for v in sorted(_VARS)]
        return []
    env = doc.get("env") if isinstance(doc, dict) else None
    out: list[tuple[str, Value]] = []
    for name, value in (env.items() if isinstance(env, dict) else ()):
        if isinstance(name, str) and name.lower() in _VARS and isinstance(value, str):
            key = next((k for k in marks if k in value), None)
            out.append((name, Unknown(marks[key]) if key else value))
    return out


def _unwrap(words: list[Word]) -> list[Word]:
    while words and words[0].literal() in ("sudo", *_WRAPPERS):
        words = words[1:]
        while words and (words[0].literal() or "").startswith("-"):
            words = words[2:] if words[0].literal() in _SUDO_ARG else words[1:]
    return words


def _split_assign(word: Word) -> tuple[str, tuple[Part, ...]] | None:
    """NAME=value given as an argument (`conda env config vars set`, `env`): quoting was removed
    by the shell before the program saw it, so quoted text counts here."""
    first = word.parts[0] if word.parts else None
    if not isinstance(first, Lit) or not (m := _ASSIGN_TEXT.match(first.text)):
        return None
    return m.group(1), (Lit(first.text[m.end():]), *word.parts[1:])


def _escapes(text: str) -> str:
    return text.replace("\\n", "\n").replace("\\t", "\t")

