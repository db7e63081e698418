"""The federation gateway audit's suites, where the shared audit data is on this machine.

Every suite's supergraph must load and every test query must plan (a query whose expected answer is
an error with no data may fail to plan, as it does in the reference gateways). When the audit's own
subgraph server answers on 127.0.0.1:4200, the answers are checked too, as the audit judges them.
"""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from federation.errors import GatewayError
from federation.gateway import Gateway
from federation.request import GraphQLRequest

SUITES = Path(__file__).resolve().parents[2].parent / "shared" / "conformance" / "suites"
pytestmark = pytest.mark.skipif(not SUITES.is_dir(), reason="the audit data (../shared/conformance) is absent")


def _suites() -> list[str]:
    return sorted(p.name for p in SUITES.iterdir()) if SUITES.is_dir() else []


def _tests(suite: str) -> list[dict[str, Any]]:
    return json.loads((SUITES / suite / "tests.json").read_text())  # type: ignore[no-any-return]


def _gateway(suite: str) -> Gateway:
    return Gateway.from_sdl((SUITES / suite / "supergraph.graphql").read_text())


@pytest.mark.parametrize("suite", _suites())
def test_every_query_plans(suite: str) -> None:
    gateway = _gateway(suite)
    for case in _tests(suite):
        expected = case["expected"]
        try:
            first = gateway.plan_text(case["query"])
        except GatewayError:
            assert expected.get("data") is None and expected.get("errors") is True, case["query"]
            continue
        assert gateway.plan_text(case["query"]) == first  # cached and deterministic
        fresh = _gateway(suite).plan_text(case["query"])
        assert fresh == first, "plans must not depend on process state"


def _audit_server_up() -> bool:
    try:
        with urllib.request.urlopen("http://127.0.0.1:4200/_health", timeout=0.5):
            return True
    except OSError:
        return False


def _strict_equal(a: Any, b: Any) -> bool:
    if type(a) is not type(b):
        numbers = (int, float)
        return isinstance(a, numbers) and isinstance(b, numbers) and not isinstance(a, bool) \
            and not isinstance(b, bool) and a == b
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_strict_equal(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_strict_equal(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


@pytest.mark.skipif(not _audit_server_up(), reason="the audit's subgraph server is not running on 127.0.0.1:4200")
@pytest.mark.parametrize("suite", _suites())
async def test_live_answers(suite: str) -> None:
    if any(case["query"].lstrip().startswith("mutation") for case in _tests(suite)):
        pytest.skip("changes the audit server's state: run it with the audit's own driver")
    gateway = _gateway(suite)
    try:
        for case in _tests(suite):
            response = await gateway.execute(GraphQLRequest(case["query"]))
            expected = case["expected"]
            assert _strict_equal(response.body.get("data"), expected.get("data")), (case["query"], response.body)
            if isinstance(expected.get("errors"), bool):
                assert bool(response.body.get("errors")) == expected["errors"], (case["query"], response.body)
    finally:
        await gateway.aclose()
