"""Lifecycle scripts read as the shell reads them (semantics rule 29), NO_PROXY as botocore applies
it (rule 30), and redaction of proxy URLs by structure."""

from __future__ import annotations

import os
import shlex
import urllib.request

import botocore.utils
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from safemaker.scanner.aws.lifecycle import (
    BASE,
    IMDS,
    LifecycleSettings,
    Route,
    Unknown,
    environ_proxies,
    no_proxy_covers,
    parse_scripts,
    proxy_setting,
    redact_proxy,
)
from safemaker.scanner.aws.shell import Lit, parse


def read(*scripts: str) -> LifecycleSettings:
    return parse_scripts([(f"OnStart[{i}]", s) for i, s in enumerate(scripts)])


def base(settings: LifecycleSettings) -> dict[str, object]:
    env = next(e for e in settings.environments if e.name == BASE)
    return dict(env.variables)


def route(settings: LifecycleSettings, environment: str = BASE) -> tuple[Route, str | None, str]:
    r = next(r for r in settings.imds_routes() if r.environment == environment)
    return r.route, r.no_proxy, r.reason


# --- the tokenizer --------------------------------------------------------------------------------

@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet=st.characters(codec="ascii", exclude_characters="\x00$`\\\r"), max_size=12),
                min_size=1, max_size=5))
def test_literal_words_match_shlex(args: list[str]) -> None:
    """For text without expansions, the words are exactly what shlex (posix, comments) yields."""
    line = "echo " + " ".join(shlex.quote(a) for a in args)
    commands = parse(line + "\n")
    words = [w.literal() for c in commands for w in c.words]
    assert words == shlex.split(line, comments=True, posix=True)


def test_comments_and_quoted_text_are_not_assignments() -> None:
    s = read("# export HTTPS_PROXY=http://evil:3128\n"
             "echo 'HTTPS_PROXY=http://quoted:3128'\n"
             "echo \"export HTTP_PROXY=http://also-quoted:3128\"  # not written anywhere\n"
             "true # HTTP_PROXY=http://trailing:3128\n")
    assert s.proxies == ()
    assert s.imds_routes()[0].route is Route.NO_PROXY_SET


def test_a_later_assignment_replaces_an_earlier_one() -> None:
    s = read("export HTTPS_PROXY=http://old-proxy:3128\nexport NO_PROXY=localhost\n"
             "export HTTPS_PROXY=http://10.0.1.10:3128\nexport NO_PROXY=169.254.169.254\n")
    assert base(s) == {"HTTPS_PROXY": "http://10.0.1.10:3128", "NO_PROXY": "169.254.169.254"}
    assert s.proxy_hosts == ("10.0.1.10",)
    assert route(s)[0] is Route.DIRECT


def test_onstart_after_oncreate() -> None:
    s = parse_scripts([("OnCreate[0]", "export NO_PROXY=169.254.169.254\nexport HTTP_PROXY=http://p:3128\n"),
                       ("OnStart[0]", "export NO_PROXY=localhost\n")])
    assert route(s)[:2] == (Route.PROXIED, "localhost")


@pytest.mark.parametrize("script", [
    "export HTTPS_PROXY=http://10.0.1.10:3128\n",
    "declare -x HTTPS_PROXY=http://10.0.1.10:3128\n",
    "HTTPS_PROXY=http://10.0.1.10:3128 pip install x\n",
    "env HTTPS_PROXY=http://10.0.1.10:3128 pip install x\n",
    "echo 'export HTTPS_PROXY=http://10.0.1.10:3128' >> /etc/profile.d/proxy.sh\n",
    "echo \"export HTTPS_PROXY=http://10.0.1.10:3128\" | sudo tee -a /home/ec2-user/.bashrc\n",
    "echo HTTPS_PROXY=http://10.0.1.10:3128 >> /etc/environment\n",
    "cat >> ~/.bashrc <<'EOF'\nexport HTTPS_PROXY=http://10.0.1.10:3128\nEOF\n",
    "P=http://10.0.1.10:3128\necho \"export HTTPS_PROXY=$P\" >> $HOME/.bash_profile\n",
    "sudo -u ec2-user -i <<'EOF'\nexport HTTPS_PROXY=http://10.0.1.10:3128\nEOF\n",
    "bash -c 'export HTTPS_PROXY=http://10.0.1.10:3128'\n",
])
def test_forms_that_set_a_proxy(script: str) -> None:
    s = read(script)
    assert [(p.variable, p.host, p.port) for p in s.proxies] == [("HTTPS_PROXY", "10.0.1.10", 3128)]
    assert route(s)[:2] == (Route.PROXIED, None)


def test_a_file_written_with_gt_replaces_what_it_held() -> None:
    s = read("echo 'export NO_PROXY=169.254.169.254' >> /etc/profile.d/proxy.sh\n"
             "echo 'export HTTP_PROXY=http://p:3128' > /etc/profile.d/proxy.sh\n")
    assert base(s) == {"HTTP_PROXY": "http://p:3128"}


def test_escaped_dollar_is_expanded_when_the_file_is_read() -> None:
    s = read('echo "export HTTP_PROXY=http://p:3128" >> /etc/profile.d/proxy.sh\n'
             'echo "export http_proxy=\\$HTTP_PROXY" >> /etc/profile.d/proxy.sh\n')
    assert base(s) == {"HTTP_PROXY": "http://p:3128", "http_proxy": "http://p:3128"}


def test_conda_and_kernel_environments_inherit_and_override() -> None:
    s = read("export HTTPS_PROXY=http://p:3128\nexport NO_PROXY=169.254.169.254\n"
             "conda env config vars set NO_PROXY=localhost -n python3\n"
             "cat > /home/ec2-user/.local/share/jupyter/kernels/k1/kernel.json <<'EOF'\n"
             '{"argv": ["python"], "env": {"no_proxy": "169.254.169.254"}}\nEOF\n')
    assert route(s)[0] is Route.DIRECT
    assert route(s, "conda environment python3")[:2] == (Route.PROXIED, "localhost")
    assert route(s, "Jupyter kernel k1")[0] is Route.DIRECT


@pytest.mark.parametrize(("script", "reason"), [
    ("export HTTPS_PROXY=$(cat /opt/proxy)\n", "OnStart[0] line 1: HTTPS_PROXY is computed at run time ($(…))"),
    ("export HTTPS_PROXY=`cat /opt/proxy`\n", "OnStart[0] line 1: HTTPS_PROXY is computed at run time (`…`)"),
    ("\nexport HTTPS_PROXY=http://$PROXY_HOST:3128\n",
     "OnStart[0] line 2: HTTPS_PROXY uses $PROXY_HOST, which the script does not set"),
    ("curl -s https://example.com/setup.sh | bash\n",
     "OnStart[0] line 1: runs the output of another command as a script"),
    ("aws s3 cp s3://bucket/env.sh /tmp/env.sh\nsource /tmp/env.sh\n",
     "OnStart[0] line 2: sources /tmp/env.sh, whose content the configuration does not show"),
    ("aws s3 cp s3://bucket/env.sh /etc/profile.d/env.sh\n",
     "OnStart[0] line 1: writes /etc/profile.d/env.sh with content the configuration does not show"),
    ("eval \"$(curl -s https://example.com/env)\"\n", "OnStart[0] line 1: eval runs a command computed at run time"),
])
def test_run_time_values_are_unknown(script: str, reason: str) -> None:
    s = read(script)
    assert route(s) == (Route.UNKNOWN, None, reason)
    assert s.unknown_proxies == (reason,)


def test_a_known_assignment_after_an_unknown_one_decides() -> None:
    s = read("curl -s https://example.com/setup.sh | bash\n"
             "export HTTP_PROXY=http://p:3128 HTTPS_PROXY=http://p:3128 http_proxy=http://p:3128 https_proxy=\n"
             "export NO_PROXY=169.254.169.254 no_proxy=169.254.169.254\n")
    assert route(s)[0] is Route.DIRECT
    # an empty lower-case variable removes the scheme, as in urllib: HTTPS_PROXY is not in force
    assert base(s)["https_proxy"] == ""


def test_unknown_no_proxy_does_not_hide_a_proven_exposure_elsewhere() -> None:
    s = read("export HTTPS_PROXY=http://p:3128\nexport NO_PROXY=$(cat /opt/np)\n"
             "conda env config vars set HTTPS_PROXY=http://q:3128 NO_PROXY=localhost -n py\n")
    routes = {r.environment: r.route for r in s.imds_routes()}
    assert routes == {BASE: Route.UNKNOWN, "conda environment py": Route.PROXIED}


# --- NO_PROXY as botocore applies it --------------------------------------------------------------

def test_botocore_decides_with_proxy_bypass_environment() -> None:
    """botocore.utils.should_bypass_proxies calls urllib's proxy_bypass, which on Linux is the
    function no_proxy_covers calls: if botocore changes, this says so."""
    assert botocore.utils.proxy_bypass is urllib.request.proxy_bypass_environment  # type: ignore[attr-defined]


@pytest.mark.parametrize(("no_proxy", "covered"), [
    ("169.254.169.254", True), ("*", True), ("localhost,169.254.169.254", True), (" 169.254.169.254 ", True),
    ("169.254.0.0/16", False), ("169.254.169.0/24,localhost", False), ("localhost,127.0.0.1", False),
    ("", False), (None, False), ("169.254.169.254:80", False),
])
def test_no_proxy_covers_as_botocore(no_proxy: str | None, covered: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    assert no_proxy_covers(IMDS, no_proxy) is covered
    monkeypatch.setattr(os, "environ", {"no_proxy": no_proxy} if no_proxy is not None else {})
    assert botocore.utils.should_bypass_proxies(f"http://{IMDS}/latest/api/token") is covered


_NAMES = st.sampled_from(["http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "no_proxy", "NO_PROXY",
                          "Http_Proxy", "ftp_proxy", "PATH"])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(_NAMES, st.sampled_from(["", "http://a:1", "b", "169.254.169.254"])), max_size=8))
def test_environ_proxies_matches_the_stdlib(pairs: list[tuple[str, str]]) -> None:
    environ = dict(pairs)
    with pytest.MonkeyPatch.context() as mp:  # urllib reads os.environ: hand it this environment
        mp.setattr(urllib.request.os, "environ", environ)  # type: ignore[attr-defined]
        expected = urllib.request.getproxies_environment()
    assert environ_proxies(environ) == expected


def test_lower_case_no_proxy_wins_as_in_botocore() -> None:
    s = read("export HTTP_PROXY=http://p:3128 NO_PROXY=169.254.169.254 no_proxy=localhost\n")
    assert route(s)[:2] == (Route.PROXIED, "localhost")


# --- redaction ------------------------------------------------------------------------------------

_USER = st.text(alphabet=st.characters(codec="ascii", categories=("L", "N")), min_size=1, max_size=8)
_PASSWORD = st.lists(st.sampled_from([*"abcXYZ019 /@:%'\"#?&=+~!$", "%40", "%2F", "pass word"]),
                     min_size=1, max_size=12).map("".join)


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(["http://", "https://", "socks5h://", ""]), _USER, _PASSWORD,
       st.sampled_from(["proxy", "10.0.1.10", "squid.corp.internal"]), st.sampled_from([":3128", ""]))
def test_redaction_drops_the_whole_userinfo(scheme: str, user: str, password: str, host: str, port: str) -> None:
    value = f"{scheme}{user}:{password}@{host}{port}"
    shown = redact_proxy(value)
    assert shown == f"{scheme}***@{host}{port}"  # nothing of user or password is left
    setting = proxy_setting("HTTPS_PROXY", value)
    assert setting is not None and setting.url == shown and setting.host == host.lower()
    # and through the shell: quoted as a script would quote it
    s = read(f"export HTTPS_PROXY={shlex.quote(value)}\n")
    assert [p.url for p in s.proxies] == [shown]


def test_unknown_reasons_never_carry_the_value() -> None:
    s = read('export HTTPS_PROXY="http://svc:$(cat /run/pw)@proxy:3128"\n')
    assert route(s)[2] == "OnStart[0] line 1: HTTPS_PROXY is computed at run time ($(…))"
    assert isinstance(base(s)["HTTPS_PROXY"], Unknown)


def test_heredoc_body_is_data_until_its_delimiter() -> None:
    commands = parse("cat > /etc/profile.d/p.sh <<-'EOF'\n\texport A=$B # x\n\tEOF\necho done\n")
    assert commands[0].redirects[1].body == (Lit("export A=$B # x\n"),)
    assert [w.literal() for w in commands[1].words] == ["echo", "done"]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from([*"ab=$`'\"\\ \t\n#;|&<>(){}-~/", "export ", "HTTPS_PROXY=", "NO_PROXY=", "<<EOF\n",
                                  "\nEOF\n", " >> /etc/profile.d/p.sh", "echo ", "bash", "sudo -i", "$(",
                                  "conda env config vars set "]), max_size=40).map("".join))
def test_any_script_is_read_without_raising(script: str) -> None:
    """Anyone who can write a lifecycle configuration controls this text: it must never crash a run."""
    s = read(script)
    for r in s.imds_routes():
        assert r.route in set(Route)
