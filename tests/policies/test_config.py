"""The ``policies`` section of the config file, decoded by the file's one strict decoder."""

from __future__ import annotations

from typing import Any

import pytest

from federation.errors import ConfigError
from federation.pipeline.state import PolicyServices
from federation.policies.config import (
    LimitsConfig,
    PoliciesConfig,
    policies_config_from_dict,
)


def test_defaults() -> None:
    config = policies_config_from_dict(None)
    assert config == PoliciesConfig() == policies_config_from_dict({})
    assert config.authorization.mode == "filter"
    assert not config.authentication.enabled
    assert config.limits.any_document_limit  # safe limits are on by default
    assert config.limits.max_tokens == 15_000 and config.limits.max_expanded_fields == 5_000


def test_full_section() -> None:
    config = policies_config_from_dict(
        {
            "authentication": {"jwks_file": "keys.json", "issuers": ["a"], "audiences": "x", "leeway": 30},
            "authorization": {"mode": "reject", "scope_claim": "scp", "policies": {"hr": "pkg.mod:is_hr"}},
            "demand_control": {"mode": "enforce", "max_cost": 100, "default_list_size": 5},
            "limits": {"max_depth": 10, "max_aliases": 3},
            "persisted_queries": {"apq": False, "manifest": "m.json", "safelist": True},
        }
    )
    assert config.authentication.issuers == ("a",)
    assert config.authentication.audiences == ("x",)  # one value where a list is allowed
    assert config.authentication.leeway == 30.0 and isinstance(config.authentication.leeway, float)
    assert config.authorization.policies == (("hr", "pkg.mod:is_hr"),)
    assert config.demand_control.max_cost == 100
    assert config.limits == LimitsConfig(max_depth=10, max_aliases=3)
    assert config.persisted_queries.apq is False and config.persisted_queries.safelist is True


@pytest.mark.parametrize(
    ("data", "message"),
    [
        # What the lenient reader used to accept, silently changing its meaning:
        ({"persisted_queries": {"safelist": "nope"}},
         "policies.persisted_queries.safelist: expected a boolean, got str 'nope'"),
        ({"persisted_queries": {"apq": "off"}}, "policies.persisted_queries.apq: expected a boolean, got str 'off'"),
        ({"limits": {"max_depth": "10"}}, "policies.limits.max_depth: expected an integer, got str '10'"),
        ({"authentication": {"audiences": 3}}, "policies.authentication.audiences: expected a list, got int 3"),
        ({"authentication": {"issuers": [1]}}, "policies.authentication.issuers[0]: expected a string, got int 1"),
        ({"authentication": {"cookie": 5}}, "policies.authentication.cookie: expected a string, got int 5"),
        # And what it refused, now with the key and a suggestion:
        ({"limitz": {}}, "policies.limitz: unknown key (did you mean 'limits'?)"),
        ({"limits": {"max_dept": 3}}, "policies.limits.max_dept: unknown key (did you mean 'max_depth'?)"),
        ({"limits": {"max_depth": "deep"}}, "policies.limits.max_depth: expected an integer, got str 'deep'"),
        ({"authorization": {"mode": "maybe"}}, "policies.authorization.mode: expected one of"),
        ({"demand_control": {"mode": "sometimes"}}, "policies.demand_control.mode: expected one of"),
        ({"authentication": {"jwks_url": "http://127.0.0.1/jwks", "jwks_file": "x"}},
         "policies.authentication.jwks_file: give jwks_url or jwks_file, not both"),
        ({"limits": []}, "policies.limits: expected a mapping, got a list"),
        ([], "policies: expected a mapping, got a list"),
    ],
)
def test_bad_sections_are_refused_naming_the_key(data: object, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        policies_config_from_dict(data)
    assert str(caught.value).startswith(message)


def test_the_policy_services_decode_raw_mappings_with_the_same_decoder() -> None:
    raw: dict[str, Any] = {"limits": {"max_depth": 4}}
    assert PolicyServices(raw).config == policies_config_from_dict(raw)
    with pytest.raises(ConfigError, match=r"policies\.persisted_queries\.safelist: "):
        PolicyServices({"persisted_queries": {"safelist": "nope"}})
