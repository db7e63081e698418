"""Progressive @override: which labels are active for one request.

A field moved with ``@override(from: "a", label: "percent(25)")`` is resolved by its new subgraph for
a quarter of requests: each request draws once per ``percent(N)`` label. Other labels are flags:
on where the configuration lists them (``supergraph.override_labels``), else off, so the field stays
where it was.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable

_PERCENT = re.compile(r"^percent\((\d+(?:\.\d+)?)\)$")


def roll(labels: frozenset[str], draw: Callable[[], float] = random.random,
         enabled: frozenset[str] = frozenset()) -> frozenset[str]:
    """The labels of ``labels`` on for one request; ``enabled``: the flags configured on."""
    active = []
    for label in sorted(labels):
        m = _PERCENT.match(label)
        if m is None:
            if label in enabled:
                active.append(label)
        elif draw() * 100 < float(m.group(1)):
            active.append(label)
    return frozenset(active)
