"""A lexer for the shell that notebook lifecycle scripts are written in.

Lifecycle scripts (`OnCreate`/`OnStart`) are bash. To read what they set we need what the shell
sees, not what a regular expression sees: `# export HTTPS_PROXY=…` is a comment, `echo 'x=$Y'`
writes a literal `$Y`, `"a b"` is one word, and a heredoc body is data until its delimiter.

`shlex` (posix mode, comments on) splits words and removes quotes the same way, but it throws
away *how* each character was quoted, and that decides whether `$VAR` or `$(…)` expands now,
later, or never. So this module keeps a word as parts: literal text, a parameter reference
(`$NAME`, `${NAME}`), or something only known when the script runs (`$(…)`, backticks,
`${…}` with operators, special parameters, process substitution). tests/aws/test_shell.py checks
the literal words against `shlex.split(…, comments=True, posix=True)`.

What is modelled: quoting (single, double, backslash, `$'…'`), comments, line continuations,
the control operators, redirections with file descriptor numbers, heredocs (`<<`, `<<-`, quoted
delimiters keep the body literal), assignment words (`NAME=value`, `NAME+=value`). Compound
commands are flattened: the reserved words (`if`, `then`, `do`, `{`, …) are skipped so that the
commands inside them are seen; their conditions are not evaluated.

A NUL character cannot occur in a script read from AWS (it is text); `MARK` uses it to embed
"unknown at this point" inside text written to a file, so that reading that file later keeps
the unknown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

MARK = "\x00"
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_OPERATORS = ("&&", "||", ";;", "&>>", "&>", ">>", ">|", ">&", "<<<", "<<-", "<<", "<&", "<>", ";", "&", "|",
              "(", ")", ">", "<")
_REDIRECTS = frozenset({"&>>", "&>", ">>", ">|", ">&", "<<<", "<<-", "<<", "<&", "<>", ">", "<"})
_RESERVED = frozenset({"if", "then", "else", "elif", "fi", "do", "done", "while", "until", "for", "case", "esac",
                       "{", "}", "!", "function", "select", "time", "in"})


@dataclass(frozen=True)
class Lit:
    """Text that is the same whatever the script's variables hold."""

    text: str


@dataclass(frozen=True)
class Param:
    """`$NAME` or `${NAME}`: known only if the script gave NAME a known value before."""

    name: str


@dataclass(frozen=True)
class Dynamic:
    """A value computed when the script runs. `what` says which construct (never its text, which
    may hold secrets); for an embedded MARK it is the MARK-delimited key."""

    what: str


Part = Lit | Param | Dynamic


@dataclass(frozen=True)
class Word:
    parts: tuple[Part, ...]
    quoted: bool  # some character was quoted or escaped (a quoted heredoc delimiter keeps the body literal)
    line: int
    assign: str | None = None  # NAME for an assignment word; `parts` is then the value

    def literal(self) -> str | None:
        """The word's text when no part depends on run time, else None."""
        if all(isinstance(p, Lit) for p in self.parts):
            return "".join(p.text for p in self.parts if isinstance(p, Lit))
        return None


@dataclass(frozen=True)
class Redirect:
    op: str
    target: Word | None
    body: tuple[Part, ...] | None = None  # heredoc body (`<<`, `<<-`) or here-string (`<<<`)


@dataclass
class Command:
    """A simple command: its words (assignment words first), redirections and where it starts."""

    words: list[Word] = field(default_factory=list)
    redirects: list[Redirect] = field(default_factory=list)
    line: int = 0
    pipe_in: Command | None = None  # the command whose output this one reads (`a | b`)


def parse(text: str, first_line: int = 1) -> list[Command]:
    """The simple commands of a script, in order."""
    return _Lexer(text, first_line).commands()


def _closing(text: str, i: int, open_: str, close: str) -> int:
    """Index just past the `close` matching an `open_` before `i`, skipping quoted text."""
    depth = 1
    while i < len(text):
        c = text[i]
        if c == "\\":
            i += 2
            continue
        if c == "'":
            end = text.find("'", i + 1)
            i = len(text) if end < 0 else end + 1
            continue
        if c == '"':
            i += 1
            while i < len(text) and text[i] != '"':
                i += 2 if text[i] == "\\" else 1
            i += 1
            continue
        if c == open_:
            depth += 1
        elif c == close:
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return len(text)


class _Lexer:
    def __init__(self, text: str, first_line: int) -> None:
        self.text = text
        self.i = 0
        self.line = first_line
        self.pending: list[tuple[Redirect, str, bool, bool]] = []  # heredoc redirect, delimiter, quoted, strip tabs
        self.out: list[Command] = []
        self.cmd = Command()
        self.expect_target: str | None = None

    # --- words --------------------------------------------------------------------------------
    def _dollar(self, parts: list[Part]) -> None:
        """At a `$`: append what it expands to (the index is past the construct afterwards)."""
        t, i = self.text, self.i + 1
        if t.startswith("(", i):  # $(…) and $((…)): the outer parenthesis opens, nesting closes both
            self.i = _closing(t, i + 1, "(", ")")
            parts.append(Dynamic("$((…))" if t.startswith("((", i) else "$(…)"))
        elif t.startswith("{", i):
            end = _closing(t, i + 1, "{", "}")
            inner = t[i + 1:end - 1]
            parts.append(Param(inner) if _NAME.fullmatch(inner) else Dynamic("${…}"))
            self.i = end
        elif (m := _NAME.match(t, i)) is not None:
            parts.append(Param(m.group()))
            self.i = m.end()
        elif i < len(t) and (t[i].isdigit() or t[i] in "@*#?$!-"):
            parts.append(Dynamic(f"${t[i]}"))
            self.i = i + 1
        else:
            parts.append(Lit("$"))
            self.i = i

    def _backtick(self, parts: list[Part]) -> None:
        t, i = self.text, self.i + 1
        while i < len(t) and t[i] != "`":
            i += 2 if t[i] == "\\" else 1
        self.i = i + 1
        parts.append(Dynamic("`…`"))

    def _mark(self, parts: list[Part]) -> None:
        end = self.text.find(MARK, self.i + 1)
        end = len(self.text) - 1 if end < 0 else end
        parts.append(Dynamic(self.text[self.i:end + 1]))
        self.i = end + 1

    def _double(self, parts: list[Part]) -> None:
        """Inside "…": `$`, backticks and backslash before $ ` " \\ newline keep their meaning."""
        self.i += 1
        self._expanding(parts, '"', '$`"\\\n')
        self.i += 1

    def _expanding(self, parts: list[Part], stop: str | None, escapable: str) -> None:
        """Text where `$` and backticks expand (double quotes, unquoted heredoc bodies), up to
        `stop` (None: to the end)."""
        t = self.text
        while self.i < len(t) and t[self.i] != stop:
            c = t[self.i]
            if c == "\\" and self.i + 1 < len(t) and t[self.i + 1] in escapable:
                if t[self.i + 1] == "\n":
                    self.line += 1
                else:
                    parts.append(Lit(t[self.i + 1]))
                self.i += 2
            elif c == "$":
                self._dollar(parts)
            elif c == "`":
                self._backtick(parts)
            elif c == MARK:
                self._mark(parts)
            else:
                if c == "\n":
                    self.line += 1
                parts.append(Lit(c))
                self.i += 1

    def _word(self) -> Word:
        t = self.text
        line = self.line
        parts: list[Part] = []
        quoted = False
        assign: str | None = None
        head = ""  # unquoted text before any "=": decides whether this is an assignment word
        plain = True
        while self.i < len(t):
            c = t[self.i]
            if c in " \t\n" or (c in ";&|()<>" and not (c in "<>" and t.startswith("(", self.i + 1))):
                break
            if c == "\\":
                if t.startswith("\n", self.i + 1):
                    self.line += 1
                elif self.i + 1 < len(t):
                    parts.append(Lit(t[self.i + 1]))
                quoted, plain = True, False
                self.i += 2
                continue
            if c == "'":
                end = t.find("'", self.i + 1)
                end = len(t) if end < 0 else end
                body = t[self.i + 1:end]
                self.line += body.count("\n")
                parts.append(Lit(body))
                quoted, plain = True, False
                self.i = end + 1
                continue
            if c == "$" and t.startswith("'", self.i + 1):  # $'…': ANSI-C quoting, escapes kept as written
                end = t.find("'", self.i + 2)
                end = len(t) if end < 0 else end
                parts.append(Lit(t[self.i + 2:end]))
                quoted, plain = True, False
                self.i = end + 1
                continue
            if c == '"':
                self._double(parts)
                quoted, plain = True, False
                continue
            if c == "$":
                self._dollar(parts)
                plain = False
                continue
            if c == "`":
                self._backtick(parts)
                plain = False
                continue
            if c == MARK:
                self._mark(parts)
                plain = False
                continue
            if c in "<>":  # process substitution <(…) / >(…)
                self.i = _closing(t, self.i + 2, "(", ")")
                parts.append(Dynamic("<(…)"))
                plain = False
                continue
            if c == "=" and plain and assign is None and not self.cmd_has_command():
                name = head[:-1] if head.endswith("+") else head
                if _NAME.fullmatch(name):
                    assign, parts = name, []
                    self.i += 1
                    continue
            if plain:
                head += c
            parts.append(Lit(c))
            self.i += 1
        return Word(_merge(parts), quoted, line, assign)

    def cmd_has_command(self) -> bool:
        """Assignment words count only before the command name (`A=1 cmd B=2`: B=2 is an argument);
        `export`/`declare`-style builtins take assignment words as arguments."""
        names = [w for w in self.cmd.words if w.assign is None]
        if not names:
            return False
        first = names[0].literal()
        return first not in ("export", "declare", "typeset", "local", "readonly", "env")

    # --- heredocs -----------------------------------------------------------------------------
    def _heredocs(self) -> None:
        """After a newline: read the bodies of the heredocs opened on the line just ended."""
        for redirect, delim, quoted, strip in self.pending:
            lines: list[str] = []
            while self.i < len(self.text):
                end = self.text.find("\n", self.i)
                end = len(self.text) if end < 0 else end
                raw = self.text[self.i:end]
                self.i = end + 1
                self.line += 1
                if strip:
                    raw = raw.lstrip("\t")
                if raw == delim:
                    break
                lines.append(raw + "\n")
            body = "".join(lines)
            parts = (Lit(body),) if quoted else _body_parts(body)
            index = next(k for k, r in enumerate(self.cmd_or_done(redirect)) if r is redirect)
            owner = self.cmd_or_done(redirect)
            owner[index] = Redirect(redirect.op, redirect.target, parts)
        self.pending = []

    def cmd_or_done(self, redirect: Redirect) -> list[Redirect]:
        for cmd in (self.cmd, *reversed(self.out)):
            if any(r is redirect for r in cmd.redirects):
                return cmd.redirects
        raise LookupError("heredoc without its command")

    # --- commands -----------------------------------------------------------------------------
    def _finish(self, pipe: bool = False) -> None:
        done = self.cmd
        if done.words or done.redirects:
            self.out.append(done)
        self.cmd = Command(pipe_in=done if pipe and (done.words or done.redirects) else None)

    def _add_word(self, word: Word) -> None:
        if self.expect_target is not None:
            op, self.expect_target = self.expect_target, None
            if op in ("<<", "<<-"):
                delim = "".join(p.text if isinstance(p, Lit) else "" for p in word.parts)
                redirect = Redirect(op, word)
                self.cmd.redirects.append(redirect)
                self.pending.append((redirect, delim, word.quoted, op == "<<-"))
            elif op == "<<<":
                self.cmd.redirects.append(Redirect(op, word, word.parts))
            else:
                self.cmd.redirects.append(Redirect(op, word))
            return
        if not self.cmd.words and not self.cmd.redirects:
            self.cmd.line = word.line
        if not any(w.assign is None for w in self.cmd.words) and word.assign is None and word.literal() in _RESERVED:
            return
        self.cmd.words.append(word)

    def commands(self) -> list[Command]:
        t = self.text
        while self.i < len(t):
            c = t[self.i]
            if c in " \t":
                self.i += 1
            elif c == "\\" and t.startswith("\n", self.i + 1):
                self.i += 2
                self.line += 1
            elif c == "\n":
                self.i += 1
                self.line += 1
                self._finish()
                self._heredocs()
            elif c == "#":
                end = t.find("\n", self.i)
                self.i = len(t) if end < 0 else end
            elif c in ";&|()<>" and not (c in "<>" and t.startswith("(", self.i + 1)):
                op = next(o for o in _OPERATORS if t.startswith(o, self.i))
                at, self.i = self.i, self.i + len(op)
                if op in _REDIRECTS:
                    self._drop_fd_number(at)
                    if not self.cmd.words and not self.cmd.redirects:
                        self.cmd.line = self.line
                    if op in (">&", "<&") and (m := re.match(r"\d+|-", t[self.i:])):
                        self.i += m.end()  # 2>&1: duplicates a descriptor, no file
                        continue
                    self.expect_target = op
                else:
                    self._finish(pipe=op == "|")
            else:
                self._add_word(self._word())
        self._finish()
        return self.out

    def _drop_fd_number(self, at: int) -> None:
        """`2>file`: digits glued to the operator name a descriptor; they are not an argument."""
        if not self.cmd.words or at == 0 or self.text[at - 1] in " \t\n":
            return
        last = self.cmd.words[-1]
        text = last.literal()
        if text is not None and text.isdigit() and not last.quoted and last.assign is None:
            self.cmd.words.pop()


def _body_parts(body: str) -> tuple[Part, ...]:
    """An unquoted heredoc body: `$` and backticks expand, backslash escapes only $ ` \\ newline."""
    lexer = _Lexer(body, 0)
    parts: list[Part] = []
    lexer._expanding(parts, None, "$`\\\n")
    return _merge(parts)


def _merge(parts: list[Part]) -> tuple[Part, ...]:
    out: list[Part] = []
    for p in parts:
        if isinstance(p, Lit) and out and isinstance(out[-1], Lit):
            out[-1] = Lit(out[-1].text + p.text)
        elif not (isinstance(p, Lit) and not p.text):
            out.append(p)
    return tuple(out)
