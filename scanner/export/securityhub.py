"""`safemaker securityhub import FINDINGS.json`: send a findings file to AWS Security Hub.

The records are the ones `--format asff` writes (`reports/asff.py`), built here from the findings
file so that the import needs nothing but that file. What the command guarantees:

- Batches of at most 100 records, the most BatchImportFindings takes per call; every record
  Security Hub rejects is reported with its Id and the reason, and the exit status is 1.
- Re-running updates the same findings: a record's Id is `safemaker/<fingerprint>`.
- A finding that was FAIL or ERROR in the baseline (`--baseline OLD.json`, or the findings
  file's own `baseline.fixed`) and whose fingerprint the new file no longer has is archived
  (`RecordState` ARCHIVED), so it leaves Security Hub's active findings instead of staying open.
- Each finding goes to Security Hub in its own region (`--region` picks one of them). Security
  Hub only accepts an account's findings from that account (for the account's default product),
  so findings of other accounts are not sent; stderr names them and the command to use.
- The caller needs `securityhub:BatchImportFindings` on its default product only:
  `policy/securityhub-import.json`. sts:GetCallerIdentity, used to learn the account, needs no
  permission.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from safemaker.reports.asff import archived, asff_findings
from safemaker.scanner.errors import SafemakerError
from safemaker.scanner.snapshot.io import read_json
from safemaker.scanner.triage.diff import PROBLEMS, read_findings

BATCH_SIZE = 100
POLICY_RESOURCE = "policy/securityhub-import.json"

Say = Callable[[str], None]


class ExportError(SafemakerError):
    """Security Hub could not be reached or refused a whole call (the CLI exits 2)."""


@dataclass
class ImportResult:
    sent: int = 0
    archived: int = 0
    calls: int = 0
    failed: list[tuple[str, str, str]] = field(default_factory=list)  # (Id, ErrorCode, ErrorMessage)
    skipped: dict[str, int] = field(default_factory=dict)  # account -> records not sent

    @property
    def exit_code(self) -> int:
        return 1 if self.failed else 0


def policy_text() -> str:
    """The least-privilege IAM policy of this command, as shipped in the package."""
    return resources.files("safemaker.scanner.export").joinpath(POLICY_RESOURCE).read_text(encoding="utf-8")


def records(findings_path: str, baseline_path: str | None = None) -> list[dict[str, Any]]:
    """Every ASFF record an import of `findings_path` sends: the findings, then the archived ones."""
    read_findings(findings_path)  # the file's shape, checked with one-line errors naming the place
    doc = read_json(findings_path)
    generated = str(doc.get("generated", ""))
    current = {str(f.get("fingerprint")) for f in doc.get("findings") or ()}
    gone: dict[str, Mapping[str, Any]] = {}
    earlier: list[Mapping[str, Any]] = list((doc.get("baseline") or {}).get("fixed") or [])
    if baseline_path is not None:
        earlier += read_findings(baseline_path)
    for old in earlier:
        fingerprint = str(old.get("fingerprint"))
        if old.get("status") in PROBLEMS and fingerprint not in current:
            gone.setdefault(fingerprint, old)
    return asff_findings(doc) + archived([gone[k] for k in sorted(gone)], generated)


def batches(items: Sequence[dict[str, Any]], size: int = BATCH_SIZE) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(items), size):
        yield list(items[start:start + size])


def send(client: Any, items: Sequence[dict[str, Any]], result: ImportResult, say: Say) -> None:
    """BatchImportFindings in batches; each rejected record is reported and kept in `result`."""
    from botocore.exceptions import BotoCoreError, ClientError

    for batch in batches(items):
        try:
            answer = client.batch_import_findings(Findings=batch)
        except (BotoCoreError, ClientError) as exc:
            done = f" ({result.sent + result.archived} records were sent before it)" if result.calls else ""
            raise ExportError(f"Security Hub BatchImportFindings failed{done}: {exc}") from None
        result.calls += 1
        rejected = {str(f.get("Id")): f for f in answer.get("FailedFindings") or ()}
        for record in batch:
            failure = rejected.get(record["Id"])
            if failure is not None:
                result.failed.append((record["Id"], str(failure.get("ErrorCode", "")),
                                      str(failure.get("ErrorMessage", ""))))
                say(f"safemaker: Security Hub rejected {record['Id']} ({record['GeneratorId']} "
                    f"{record['Resources'][0]['Id']}): {failure.get('ErrorCode', '')}: "
                    f"{failure.get('ErrorMessage', '')}")
            elif record["RecordState"] == "ARCHIVED":
                result.archived += 1
            else:
                result.sent += 1
        unmatched = int(answer.get("FailedCount") or 0) - len([r for r in batch if r["Id"] in rejected])
        if unmatched > 0:  # counted as failed without naming a record of this batch
            result.failed.append(("", "Unknown", f"{unmatched} records of a batch failed without an Id"))
            say(f"safemaker: Security Hub reported {unmatched} failed records it did not name")


def by_region(items: Iterable[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for record in items:
        out.setdefault(record["Region"], []).append(record)
    return out


def import_findings(findings_path: str, *, region: str | None = None, baseline_path: str | None = None,
                    profile: str | None = None, session: Any = None, say: Say) -> ImportResult:
    """Send the findings file (see the module docstring); `session` is a boto3 Session for tests."""
    import boto3
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError, ClientError

    items = records(findings_path, baseline_path)
    endpoint = os.environ.get("AWS_ENDPOINT_URL") or None
    try:
        session = session or boto3.session.Session(profile_name=profile)
        sts = session.client("sts", endpoint_url=endpoint, region_name=region or session.region_name or "us-east-1")
        account = str(sts.get_caller_identity()["Account"])
    except (BotoCoreError, ClientError) as exc:
        raise ExportError(f"cannot learn the AWS account to import into: {exc}") from None
    result = ImportResult()
    mine = []
    for record in items:
        if record["AwsAccountId"] != account:
            result.skipped[record["AwsAccountId"]] = result.skipped.get(record["AwsAccountId"], 0) + 1
        else:
            mine.append(record)
    for other, count in sorted(result.skipped.items()):
        say(f"safemaker: {count} records of account {other} not sent: Security Hub takes an account's findings "
            f"only from that account (run the import with its credentials, e.g. --profile)")
    regions = by_region(mine)
    if region is not None:
        left_out = sum(len(v) for k, v in regions.items() if k != region)
        if left_out:
            say(f"safemaker: {left_out} records of other regions than {region} not sent (--region)")
        regions = {region: regions.get(region, [])}
    config = Config(retries={"max_attempts": 5, "mode": "adaptive"})
    for name, chunk in sorted(regions.items()):
        client = session.client("securityhub", region_name=name, endpoint_url=endpoint, config=config)
        send(client, chunk, result, say)
    return result
