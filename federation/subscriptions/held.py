"""A stream that lets go of what it holds exactly once: when it ends, fails or is closed, whether it
ever started or not. (An async generator closed before its first step runs none of its code, so a
``finally`` in it cannot release a lease taken when the stream was made.)"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable
from typing import Any, TypeVar

T = TypeVar("T")


class Held(AsyncGenerator[T, None]):
    def __init__(self, inner: AsyncGenerator[T, None], release: Callable[[], None]) -> None:
        self._inner = inner
        self._release: Callable[[], None] | None = release

    def _let_go(self) -> None:
        release, self._release = self._release, None
        if release is not None:
            release()

    async def asend(self, value: None) -> T:
        try:
            return await self._inner.asend(value)
        except BaseException:  # ended (StopAsyncIteration), failed or cancelled: it runs no more
            self._let_go()
            raise

    async def athrow(self, *args: Any) -> T:
        try:
            return await self._inner.athrow(*args)
        except BaseException:
            self._let_go()
            raise

    async def aclose(self) -> None:
        try:
            await self._inner.aclose()
        finally:
            self._let_go()
