"""`safemaker securityhub import` against moto's Security Hub on a local ThreadedMotoServer.

moto stores what BatchImportFindings is given and GetFindings returns it, so the round trip
checks that what was sent is what Security Hub holds. moto does not refuse more than 100
findings per call (AWS does), so the batching is checked by counting the records of each call.
"""

from __future__ import annotations

import dataclasses
import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

from safemaker.reports.asff import asff_findings
from safemaker.reports.findings_json import findings_document, render_json
from safemaker.scanner.cli import main
from safemaker.scanner.export.securityhub import BATCH_SIZE, ImportResult, import_findings, policy_text, send
from safemaker.scanner.model import (
    Evidence,
    Finding,
    Report,
    ResourceRef,
    ResourceType,
    Severity,
    SnapshotInfo,
    Status,
)

ACCOUNT = "123456789012"  # moto's account
REGION = "eu-west-1"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=_free_port(), verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def aws(endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh moto state with Security Hub enabled, and credentials that reach only moto."""
    for name, value in {"AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "testing",
                        "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": REGION}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    import urllib.request

    urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST")).read()
    boto3.client("securityhub", region_name=REGION, endpoint_url=endpoint).enable_security_hub()
    yield endpoint


def finding(i: int, status: Status = Status.FAIL, account: str = ACCOUNT, region: str = REGION) -> Finding:
    ref = ResourceRef(ResourceType.NOTEBOOK_INSTANCE, f"nb-{i:04d}", account, region,
                      f"arn:aws:sagemaker:{region}:{account}:notebook-instance/nb-{i:04d}")
    return Finding("SM-001", "Root access enabled", status, Severity.HIGH, ref, f"root access on nb-{i:04d}",
                   Evidence(), "Disable root access.", f"{i:064x}")


def write(tmp_path: Path, name: str, findings: tuple[Finding, ...], generated: str = "2026-11-23T10:00:05Z") -> str:
    report = Report("0.1.0", generated, SnapshotInfo("2026-11-23T10:00:00Z", (ACCOUNT,), (REGION,)), findings)
    path = tmp_path / name
    path.write_text(render_json(report))
    return str(path)


def held(endpoint: str) -> dict[str, dict[str, Any]]:
    client = boto3.client("securityhub", region_name=REGION, endpoint_url=endpoint)
    out: dict[str, dict[str, Any]] = {}
    for page in client.get_paginator("get_findings").paginate():
        for f in page["Findings"]:
            out[f["Id"]] = f
    return out


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exc:
        main(list(args))
    return int(exc.value.code or 0), capsys.readouterr().err


def test_what_was_sent_is_what_get_findings_returns(aws: str, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    findings = (finding(1), finding(2, Status.PASS), finding(3, Status.ERROR))
    path = write(tmp_path, "findings.json", findings)
    code, err = run(capsys, "securityhub", "import", path)
    assert code == 0
    assert "safemaker: Security Hub: 3 findings imported, 0 archived, 0 rejected, in 1 calls" in err
    sent = asff_findings(json.loads(Path(path).read_text()))
    stored = held(aws)
    assert sorted(stored) == sorted(f["Id"] for f in sent)
    for record in sent:
        got = stored[record["Id"]]
        for key, value in record.items():
            assert got[key] == value, (record["Id"], key)
    assert {stored["safemaker/" + f.fingerprint]["Compliance"]["Status"] for f in findings} == {
        "FAILED", "PASSED", "NOT_AVAILABLE"}


def test_a_rerun_updates_the_same_findings(aws: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first = write(tmp_path, "1.json", (finding(1), finding(2)))
    assert run(capsys, "securityhub", "import", first)[0] == 0
    second = write(tmp_path, "2.json", (finding(1), dataclasses.replace(finding(2), message="reworded")),
                   generated="2026-11-24T10:00:05Z")
    assert run(capsys, "securityhub", "import", second)[0] == 0
    stored = held(aws)
    assert len(stored) == 2
    record = stored["safemaker/" + finding(2).fingerprint]
    assert (record["Description"], record["UpdatedAt"]) == ("reworded", "2026-11-24T10:00:05Z")


def test_findings_fixed_since_the_baseline_are_archived(aws: str, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    old = write(tmp_path, "old.json", (finding(1), finding(2), finding(3, Status.PASS)))
    assert run(capsys, "securityhub", "import", old)[0] == 0
    # nb-0002 was fixed: its new PASS has another fingerprint (paths differ in real findings)
    fixed_pass = dataclasses.replace(finding(2, Status.PASS), fingerprint="f" * 64)
    new = write(tmp_path, "new.json", (finding(1), fixed_pass, finding(3, Status.PASS)))
    code, err = run(capsys, "securityhub", "import", new, "--baseline", old)
    assert code == 0
    assert "3 findings imported, 1 archived" in err
    stored = held(aws)
    assert stored["safemaker/" + finding(2).fingerprint]["RecordState"] == "ARCHIVED"
    assert stored["safemaker/" + finding(1).fingerprint]["RecordState"] == "ACTIVE"
    assert stored["safemaker/" + "f" * 64]["Compliance"]["Status"] == "PASSED"


def test_batches_of_at_most_100(aws: str, tmp_path: Path) -> None:
    path = write(tmp_path, "many.json", tuple(finding(i) for i in range(2 * BATCH_SIZE + 5)))
    session = boto3.session.Session(region_name=REGION)
    sizes: list[int] = []
    calls: list[str] = []

    def record(params: dict[str, Any], **_: Any) -> None:
        sizes.append(len(params["Findings"]))

    session.events.register("provide-client-params.securityhub.BatchImportFindings", record)
    session.events.register("before-call.*.*", lambda model, **_: calls.append(
        f"{model.service_model.signing_name}:{model.name}"))
    result = import_findings(path, session=session, say=lambda _: None)
    assert sizes == [100, 100, 5]
    assert (result.sent, result.calls, result.failed) == (205, 3, [])
    assert len(held(aws)) == 205
    # every call the import makes is allowed by its policy (GetCallerIdentity needs no permission)
    allowed = {a for s in json.loads(policy_text())["Statement"] for a in s["Action"]}
    assert allowed == {"securityhub:BatchImportFindings"}
    assert set(calls) - {"sts:GetCallerIdentity"} == allowed


def test_other_accounts_and_regions_are_named_not_sent(aws: str, tmp_path: Path) -> None:
    path = write(tmp_path, "mixed.json", (finding(1), finding(2, account="111122223333"),
                                          finding(3, region="us-east-1")))
    lines: list[str] = []
    result = import_findings(path, region=REGION, say=lines.append)
    assert (result.sent, result.skipped) == (1, {"111122223333": 1})
    assert lines == [
        "safemaker: 1 records of account 111122223333 not sent: Security Hub takes an account's findings only "
        "from that account (run the import with its credentials, e.g. --profile)",
        "safemaker: 1 records of other regions than eu-west-1 not sent (--region)",
    ]


class Rejecting:
    """A client whose Security Hub rejects one record per batch, as AWS reports it."""

    def __init__(self) -> None:
        self.batches: list[int] = []

    def batch_import_findings(self, Findings: list[dict[str, Any]]) -> dict[str, Any]:
        self.batches.append(len(Findings))
        bad = Findings[0]["Id"]
        return {"FailedCount": 1, "SuccessCount": len(Findings) - 1,
                "FailedFindings": [{"Id": bad, "ErrorCode": "InvalidInput", "ErrorMessage": "Finding too large"}]}


def test_each_rejected_record_is_reported() -> None:
    report = Report("0.1.0", "2026-11-23T10:00:05Z", SnapshotInfo("", (ACCOUNT,), (REGION,)),
                    tuple(finding(i) for i in range(150)))
    items = asff_findings(findings_document(report))
    lines: list[str] = []
    result = ImportResult()
    client = Rejecting()
    send(client, items, result, lines.append)
    assert client.batches == [100, 50]
    assert result.exit_code == 1 and result.sent == 148
    assert [f[0] for f in result.failed] == [items[0]["Id"], items[100]["Id"]]
    assert lines[0] == (f"safemaker: Security Hub rejected {items[0]['Id']} (SM-001 "
                        f"arn:aws:sagemaker:eu-west-1:{ACCOUNT}:notebook-instance/nb-0000): InvalidInput: "
                        "Finding too large")


def test_bad_input_is_one_line_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "x.json"
    bad.write_text('{"schema": "other"}')
    code, err = run(capsys, "securityhub", "import", str(bad))
    assert code == 2
    assert err.strip() == f"safemaker: {bad}: schema: not a safemaker.findings/v1 document"


def test_the_policy_command_prints_the_shipped_policy(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["securityhub", "policy"])
    assert exc.value.code == 0
    assert json.loads(capsys.readouterr().out) == json.loads(policy_text())
