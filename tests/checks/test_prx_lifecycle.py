"""Semantics rules 29 (lifecycle scripts as the shell reads them) and 30 (NO_PROXY as botocore
applies it): PASS, FAIL and ERROR scenarios for everything that reads lifecycle settings --
PRX-001 (which instances are proxies), PRX-002 (the notebook's proxy settings) and the sanctioned
proxies the network prover uses (`designated_proxies`)."""

from __future__ import annotations

from typing import Any

from checks_support import ACCOUNT, REGION, by_key, run, validate
from estate import Estate, Instance

from safemaker.checks import prx
from safemaker.scanner.aws.proxies import designate
from safemaker.scanner.config import Config
from safemaker.scanner.model import Finding, Status
from safemaker.scanner.snapshot.io import Snapshot


def estate(scripts: dict[str, str]) -> tuple[dict[str, Any], Instance, Instance]:
    """Two instances in a public subnet, both allowing IMDSv1 and neither tagged: `a` is the proxy
    the scripts mean, `b` is only ever named where the shell does not take it (a comment, an
    assignment that a later one replaces). Notebooks in a private subnet run `scripts`; each
    script is formatted with {a} and {b}, the two private addresses."""
    e = Estate()
    v = e.vpc("10.0.0.0/16")
    public = v.subnet("10.0.1.0/24")
    public.route_table().route("0.0.0.0/0", v.igw())
    a = public.instance(public_ip="203.0.113.10", name="squid")
    b = public.instance(public_ip="203.0.113.11", name="build-box")
    private = v.subnet("10.0.2.0/24")
    private.route_table()
    for name, script in scripts.items():
        private.notebook(name, lifecycle=script.format(a=a.eni.private_ip, b=b.eni.private_ip), root_access=False)
    doc = e.build()
    for reservation in doc["accounts"][ACCOUNT][REGION]["ec2"]["DescribeInstances"]["Reservations"]:
        for inst in reservation["Instances"]:
            inst["MetadataOptions"]["HttpTokens"] = "optional"
    validate(doc, "<rule 29/30 estate>")
    return doc, a, b


def findings(doc: dict[str, Any]) -> dict[tuple[str, str], Finding]:
    return by_key(run(doc, prx.CHECKS))


KNOWN = {
    # rule 29: a host named only in a comment is not a proxy; the assignment in force is
    "nb-comment-pass": "#!/bin/bash\n# export HTTPS_PROXY=http://{b}:3128\n"
                       "export HTTPS_PROXY=http://{a}:3128 # was http://{b}:3128\n"
                       "export NO_PROXY=169.254.169.254\n",
    # rule 29: a later assignment replaces an earlier one, in a file the environment reads
    "nb-replaced-pass": "#!/bin/bash\n"
                        "echo 'export HTTP_PROXY=http://{b}:3128' > /etc/profile.d/proxy.sh\n"
                        "echo 'export NO_PROXY=localhost' >> /etc/profile.d/proxy.sh\n"
                        "echo 'export HTTP_PROXY=http://{a}:3128' >> /etc/profile.d/proxy.sh\n"
                        "echo 'export NO_PROXY=localhost,169.254.169.254' >> /etc/profile.d/proxy.sh\n",
    # rule 30: botocore ignores CIDR entries
    "nb-cidr-fail": "#!/bin/bash\ncat >> /home/ec2-user/.bashrc <<'EOF'\nexport HTTPS_PROXY=http://{a}:3128\n"
                    "export NO_PROXY=169.254.0.0/16,localhost\nEOF\n",
    # rule 29: a later NO_PROXY replaces the one that covered the metadata service
    "nb-no-proxy-replaced-fail": "#!/bin/bash\nexport HTTPS_PROXY=http://{a}:3128\nexport NO_PROXY=169.254.169.254\n"
                                 "export NO_PROXY=localhost\n",
    # rule 29: NO_PROXY only in a comment
    "nb-no-proxy-comment-fail": "#!/bin/bash\nexport HTTPS_PROXY=http://{a}:3128\n# export NO_PROXY=169.254.169.254\n",
}


def test_known_scripts() -> None:
    doc, a, b = estate(KNOWN)
    got = findings(doc)
    verdicts = {nb: got[("PRX-002", nb)].status for nb in KNOWN}
    assert verdicts == {"nb-comment-pass": Status.PASS, "nb-replaced-pass": Status.PASS,
                        "nb-cidr-fail": Status.FAIL, "nb-no-proxy-replaced-fail": Status.FAIL,
                        "nb-no-proxy-comment-fail": Status.FAIL}
    assert got[("PRX-002", "nb-no-proxy-replaced-fail")].message.endswith(
        "but NO_PROXY is localhost, which botocore does not apply to 169.254.169.254: requests for the notebook's "
        "instance metadata (169.254.169.254, its role credentials) go to the proxy")
    assert "NO_PROXY is not set" in got[("PRX-002", "nb-no-proxy-comment-fail")].message
    assert got[("PRX-002", "nb-replaced-pass")].message == (
        f"lifecycle config nb-replaced-pass-lifecycle sets HTTP_PROXY=http://{a.eni.private_ip}:3128 and NO_PROXY "
        "covers 169.254.169.254 (169.254.169.254)")
    # PRX-001: the proxy the scripts mean is judged; the host named only in a comment or in a
    # replaced assignment is not a proxy at all (no finding)
    assert got[("PRX-001", a.id)].status is Status.FAIL
    assert ("PRX-001", b.id) not in got
    # and the prover's sanctioned proxies are the same
    view = Snapshot(doc, "<rule 29>").view(ACCOUNT, REGION)
    designation = designate(view, Config())
    assert sorted(designation.proxies) == [a.id] and designation.unknowns == ()


def test_run_time_values_give_error_naming_the_script_and_line() -> None:
    doc, a, b = estate({
        "nb-runtime-error": "#!/bin/bash\nset -e\n"
                            "PROXY=$(aws ssm get-parameter --name /net/proxy --query Parameter.Value --output text)\n"
                            "echo \"export HTTPS_PROXY=$PROXY\" >> /etc/profile.d/proxy.sh\n",
        "nb-downloaded-error": "#!/bin/bash\naws s3 cp s3://config-bucket/proxy.sh /tmp/proxy.sh\n"
                               "source /tmp/proxy.sh\n",
        # an unknown value elsewhere does not erase a FAIL proven from what was read
        "nb-proven-fail": "#!/bin/bash\nexport HTTPS_PROXY=http://{a}:3128\nexport NO_PROXY=localhost\n"
                          "conda env config vars set NO_PROXY=`cat /opt/np` -n python3\n",
    })
    got = findings(doc)
    runtime = got[("PRX-002", "nb-runtime-error")]
    assert runtime.status is Status.ERROR
    # the reason follows the value to where it was computed
    assert runtime.message == "could not decide: OnStart[0] line 3: PROXY is computed at run time ($(…))"
    downloaded = got[("PRX-002", "nb-downloaded-error")]
    assert downloaded.status is Status.ERROR
    assert downloaded.message == ("could not decide: OnStart[0] line 3: sources /tmp/proxy.sh, whose content the "
                                  "configuration does not show")
    assert got[("PRX-002", "nb-proven-fail")].status is Status.FAIL
    # a proxy computed at run time may be any instance: IMDSv1 instances that nothing else
    # designates cannot be cleared
    for inst in (b,):
        f = got[("PRX-001", inst.id)]
        assert f.status is Status.ERROR and "could not tell whether" in f.message
    assert got[("PRX-001", a.id)].status is Status.FAIL  # designated by nb-proven-fail
