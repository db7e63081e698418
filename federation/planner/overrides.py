"""Progressive @override: which labels are active for one request.

A field moved with ``@override(from: "a", label: "percent(25)")`` is resolved by its new subgraph for
a quarter of requests: each request draws once per ``percent(N)`` label. Other labels are flags that
something outside the gateway would set; none is active here, so the field stays where it was.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable

_PERCENT = re.compile(r"^percent\((\d+(?:\.\d+)?)\)$")


def roll(labels: frozenset[str], draw: Callable[[], float] = random.random) -> frozenset[str]:
    active = []
    for label in sorted(labels):
        m = _PERCENT.match(label)
        if m is not None and draw() * 100 < float(m.group(1)):
            active.append(label)
    return frozenset(active)
