"""The entity loader batches exactly as aiodataloader's DataLoader does: the same loads together, the
batch starting in the same turn of the event loop (what the entity batcher groups by)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiodataloader import DataLoader

from federation.execution.loader import EntityLoader


async def _pattern(make: Any) -> list[tuple[int, list[str]]]:
    """Loads in turns 0, 0, 1 and 4 of a ticking loop: (turn the batch began, its keys) per batch."""
    turn = 0
    running = True

    def tick() -> None:
        nonlocal turn
        turn += 1
        if running:
            asyncio.get_running_loop().call_soon(tick)

    batches: list[tuple[int, list[str]]] = []

    async def batch(keys: list[str]) -> list[str]:
        batches.append((turn, list(keys)))
        return [k.upper() for k in keys]

    loader = make(batch)
    asyncio.get_running_loop().call_soon(tick)
    first = [loader.load("a"), loader.load("b")]
    await asyncio.sleep(0)
    second = loader.load("c")
    for _ in range(3):
        await asyncio.sleep(0)
    third = loader.load("d")
    values = await asyncio.gather(*first, second, third)
    running = False
    assert values == ["A", "B", "C", "D"]
    return batches


async def test_batches_start_with_the_same_loads_in_the_same_turns_as_the_library_s() -> None:
    ours = await _pattern(lambda fn: EntityLoader(fn, max_batch_size=None, cache=False))
    theirs = await _pattern(lambda fn: DataLoader(fn, max_batch_size=None, cache=False))
    assert ours == theirs
    assert [keys for _, keys in ours] == [["a", "b", "c"], ["d"]]  # a load one turn later still joins


async def test_a_failed_batch_fails_each_load() -> None:
    async def batch(keys: list[str]) -> list[str]:
        raise RuntimeError("down")

    loader: EntityLoader[str, str] = EntityLoader(batch, max_batch_size=None, cache=False)
    results = await asyncio.gather(loader.load("a"), loader.load("b"), return_exceptions=True)
    assert [str(r) for r in results] == ["down", "down"]
    with pytest.raises(RuntimeError):
        await loader.load("c")
