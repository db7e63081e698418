"""The ``policies`` section of the config file."""

from __future__ import annotations

import pytest

from federation.policies.config import (
    LimitsConfig,
    PoliciesConfig,
    PoliciesConfigError,
    policies_config_from_dict,
)


def test_defaults() -> None:
    config = policies_config_from_dict(None)
    assert config == PoliciesConfig()
    assert config.authorization.mode == "filter"
    assert not config.authentication.enabled
    assert not config.limits.any_document_limit


def test_full_section() -> None:
    config = policies_config_from_dict(
        {
            "authentication": {"jwks_file": "keys.json", "issuers": ["a"], "audiences": "x y", "leeway": 30},
            "authorization": {"mode": "reject", "scope_claim": "scp", "policies": {"hr": "pkg.mod:is_hr"}},
            "demand_control": {"mode": "enforce", "max_cost": 100, "default_list_size": 5},
            "limits": {"max_depth": "10", "max_aliases": 3},
            "persisted_queries": {"apq": "off", "manifest": "m.json", "safelist": True},
        }
    )
    assert config.authentication.issuers == ("a",)
    assert config.authentication.audiences == ("x", "y")
    assert config.authentication.leeway == 30.0
    assert config.authorization.policies == (("hr", "pkg.mod:is_hr"),)
    assert config.demand_control.max_cost == 100
    assert config.limits == LimitsConfig(max_depth=10, max_aliases=3)
    assert config.persisted_queries.apq is False and config.persisted_queries.safelist


@pytest.mark.parametrize(
    "data",
    [
        {"limitz": {}},
        {"limits": {"max_dept": 3}},
        {"limits": {"max_depth": "deep"}},
        {"authorization": {"mode": "maybe"}},
        {"demand_control": {"mode": "sometimes"}},
        {"authentication": {"jwks_url": "http://127.0.0.1/jwks", "jwks_file": "x"}},
        {"limits": []},
        [],
    ],
)
def test_bad_sections_are_refused(data: object) -> None:
    with pytest.raises(PoliciesConfigError):
        policies_config_from_dict(data)
