"""The demo gateway's own configuration (services_demo/gateway.yaml), as `make demo` runs it."""

from __future__ import annotations

from pathlib import Path

from federation.config_loader import load_config
from federation.gateway import Gateway
from federation.policies import devtoken
from federation.request import GraphQLRequest, RequestContext

from .subgraphs import DemoSubgraphs

ROOT = Path(__file__).resolve().parents[2]
QUERY = '{ user(id: "u1") { name email address } topProducts(first: 1) { name stockCount } }'


async def test_demo_config_filters_for_anonymous_and_opens_for_a_token(demo_subgraphs: DemoSubgraphs) -> None:
    devtoken.ensure_key(ROOT / devtoken.DEFAULT_KEYS_DIR)
    config = load_config(str(ROOT / "services_demo" / "gateway.yaml"), {})
    gateway = Gateway.from_sdl(demo_subgraphs.supergraph_sdl(), config)
    try:
        anonymous = (await gateway.execute(GraphQLRequest(QUERY))).body
        token = devtoken.sign(["read:inventory"], claims={"roles": ["owner"]},
                              keys_dir=ROOT / devtoken.DEFAULT_KEYS_DIR)
        context = RequestContext(headers={"authorization": f"Bearer {token}"})
        owner = (await gateway.execute(GraphQLRequest(QUERY), context)).body
    finally:
        await gateway.aclose()
    assert anonymous["data"]["user"]["email"] is None and anonymous["data"]["user"]["address"] is None
    assert anonymous["data"]["topProducts"][0]["stockCount"] is None
    assert {e["extensions"]["code"] for e in anonymous["errors"]} == {"UNAUTHORIZED_FIELD_OR_TYPE"}
    assert "errors" not in owner, owner
    assert owner["data"]["user"]["email"] and owner["data"]["user"]["address"]
    assert isinstance(owner["data"]["topProducts"][0]["stockCount"], int)
    assert owner["extensions"]["cost"]["result"] == "COST_OK"
