"""One private CA (and a second, untrusted one) for the module that asks, and its certificates."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from .certs import CA, Pair


@dataclass(frozen=True)
class Pki:
    ca: CA  # trusted where the test configures it
    other: CA  # trusted by nobody
    server: Pair  # 127.0.0.1, signed by ca
    gateway: Pair  # a client certificate (CN "gateway"), signed by ca
    stranger: Pair  # a client certificate signed by other
    directory: Path


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    directory = tmp_path_factory.mktemp("pki")
    ca, other = CA(directory, "private CA"), CA(directory, "other CA")
    return Pki(ca, other, ca.issue("server"), ca.issue("gateway", client=True), other.issue("stranger", client=True),
               directory)
