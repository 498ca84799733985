"""Property: the engine's NET-001 (and, with the new rules, NET-007) verdict equals the brute-force
oracle's, notebook by notebook.

New rules (issue 13: NAT64, multi-ENI forwarders, Block Public Access, appliance mode, GWLB endpoints,
relays): the strategy generates them and NET-007 is compared only when conftest.NEW_RULES is on (the
`long` profile, or ORACLE_NEW_RULES=1); the derandomised `ci` run of `make test` leaves them out until
the engine implements those rules, while the shape test below still validates such estates.

The engine proves over address sets and traffic classes; the oracle (walker.py) forwards single
concrete packets. They share no code, so agreement on thousands of random estates is evidence
that both are right, and every disagreement is a bug in one of them (see the fixtures
fixtures/scenarios/oracle-*.json and test_regressions.py).

Agreement: same status, or engine ERROR where the oracle met something unresolvable. The worst
disagreement is an engine PASS where the oracle found a live path.

Engine bugs already reported but not yet fixed are emulated by the oracle (OPEN_ENGINE_BUGS,
walker `quirks`), each tied to an xfail regression fixture: when the engine is fixed, that
fixture XPASSes (strict) and the quirk must be removed here, so the property hunts for new bugs
without failing on known ones.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from typing import Any

from hypothesis import given, settings

from safemaker.scanner.snapshot.validate import validate_snapshot

from .compare import disagreements
from .conftest import CHECKS, NEW_RULES, ORACLE_PROFILE
from .strategies import estates

# quirk (walker.py) -> regression fixture that shows the engine bug
OPEN_ENGINE_BUGS: dict[str, str] = {}  # none open: public-any-vpc and dia-needs-source were fixed
QUIRKS = frozenset(OPEN_ENGINE_BUGS)
PROFILE = settings.get_profile(ORACLE_PROFILE)


def _dump(doc: dict[str, Any]) -> str:
    """Save a counterexample where `python -m oracle.minimise` (from tests/) can shrink it."""
    text = json.dumps(doc, indent=1, sort_keys=True)
    folder = os.environ.get("ORACLE_DUMP_DIR", tempfile.gettempdir())
    path = os.path.join(folder, f"oracle-disagreement-{hashlib.sha256(text.encode()).hexdigest()[:12]}.json")
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)
    return path


@settings(PROFILE)
@given(estates(new_rules=NEW_RULES))
def test_engine_agrees_with_oracle(doc: dict[str, Any]) -> None:
    found = disagreements(doc, QUIRKS, CHECKS)
    if found:
        path = _dump(doc)
        lines = [f"{nb}: engine {engine} vs oracle {oracle} -- {message}"
                 for nb, (engine, oracle, message) in found.items()]
        raise AssertionError("disagreement (estate saved to " + path + "; shrink with "
                             "`cd tests && python -m oracle.minimise " + path + " NOTEBOOK OUT.json [CHECK]`):\n"
                             + "\n".join(lines))


@settings(PROFILE, max_examples=min(PROFILE.max_examples, 25))
@given(estates())
def test_generated_estates_have_botocore_shapes(doc: dict[str, Any]) -> None:
    validate_snapshot(doc, "generated estate")


@settings(PROFILE, max_examples=min(PROFILE.max_examples, 25))
@given(estates(new_rules=True))
def test_new_rule_estates_have_botocore_shapes(doc: dict[str, Any]) -> None:
    """The new-rules features are validated even in `ci`, where the comparison leaves them out."""
    validate_snapshot(doc, "generated estate (new rules)")


def test_validator_accepts_ipv6_tgw_route() -> None:
    """botocore: TransitGatewayRoute.DestinationCidrBlock is "The CIDR block used for destination
    matches" (either family; TGW routes have no DestinationIpv6CidrBlock), unlike the VPC Route's
    "The IPv4 CIDR block"."""
    route = {"DestinationCidrBlock": "::/0", "Type": "static", "State": "active",
             "TransitGatewayAttachments": [{"ResourceId": "vpc-1", "ResourceType": "vpc",
                                            "TransitGatewayAttachmentId": "tgw-attach-1"}]}
    doc = {"schema": "safemaker.snapshot/v1", "created": "2026-11-23T10:00:00Z", "accounts": {
        "111122223333": {"eu-west-1": {"ec2": {"SearchTransitGatewayRoutes": {
            "tgw-rtb-1": {"Routes": [route], "AdditionalRoutesAvailable": False}}}}}}}
    validate_snapshot(doc, "ipv6 tgw route")
