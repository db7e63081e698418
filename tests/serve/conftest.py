from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest
from serve_fakes import FakeGateway, core_module

import federation.server


@pytest.fixture
def fake_core(monkeypatch: pytest.MonkeyPatch) -> Iterator[type[FakeGateway]]:
    """Puts the stand-in where ``federation.gateway`` is imported from."""
    FakeGateway.instances.clear()
    monkeypatch.setitem(sys.modules, "federation.gateway", core_module())  # for the CLI's late import
    monkeypatch.setattr(federation.server, "Gateway", FakeGateway)
    yield FakeGateway
