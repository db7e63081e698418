"""The reviews subgraph (strawberry): what users wrote about products.

Extends ``User`` and ``Product`` with their reviews. A review knows its author's username, so
``Review.author`` can ``@provides`` it and the gateway need not ask accounts for it.

``addReview`` stores a review (in memory) and publishes it to every ``reviewAdded`` subscription
(served over WebSocket, graphql-transport-ws, by strawberry): the gateway completes each event with
the product's fields from products and the author's from accounts.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncGenerator
from dataclasses import dataclass

import strawberry
from strawberry.asgi import GraphQL
from strawberry.federation.schema_directives import ListSize
from strawberry.types.unset import UNSET

from services_demo.counting import RequestCounter


@dataclass(frozen=True)
class ReviewRow:
    id: str
    author_id: str
    upc: str
    rating: int
    body: str


# Reviews keep a copy of their authors' usernames (what @provides relies on).
USERNAMES = {
    "u1": "ada",
    "u2": "alan",
    "u3": "grace",
    "u4": "edsger",
    "u5": "barbara",
    "u6": "don",
    "u7": "margaret",
    "u8": "jmc",
    "u9": "fran",
    "u10": "niklaus",
    "u11": "radia",
    "u12": "ken",
}

REVIEWS: dict[str, ReviewRow] = {
    row.id: row
    for row in (
        ReviewRow("r1", "u1", "1001", 5, "Love it: the keys feel like a real typewriter."),
        ReviewRow("r2", "u2", "1001", 4, "Loud, but I type faster on it."),
        ReviewRow("r3", "u3", "1002", 5, "Crisp picture, no dead pixels."),
        ReviewRow("r4", "u1", "1003", 3, "Comfortable, though the armrests wobble."),
        ReviewRow("r5", "u4", "1003", 4, "My back thanks me."),
        ReviewRow("r6", "u5", "1003", 2, "Squeaks after a month."),
        ReviewRow("r7", "u6", "1004", 5, "Exactly the right size for a small desk."),
        ReviewRow("r8", "u7", "1005", 4, "Warm light, easy on the eyes."),
        ReviewRow("r9", "u2", "1006", 1, "The cable frayed within a week."),
        ReviewRow("r10", "u8", "1006", 3, "Does the job."),
        ReviewRow("r11", "u9", "1007", 5, "Best headphones I have owned."),
        ReviewRow("r12", "u3", "1008", 4, "Sturdy and quiet."),
        ReviewRow("r13", "u10", "1009", 4, "Small, fast, and it just works."),
        ReviewRow("r14", "u11", "1010", 5, "Keeps coffee hot all morning."),
        ReviewRow("r15", "u1", "1010", 4, "Nice mug, a little heavy."),
        ReviewRow("r16", "u12", "1002", 3, "Good panel, poor stand."),
    )
}
_SEED = dict(REVIEWS)


def restore_seed_reviews() -> None:
    """Forget the reviews ``addReview`` added: the demo as it started (tests share one server)."""
    for key in [k for k in REVIEWS if k not in _SEED]:
        REVIEWS.pop(key, None)



class ReviewFeed:
    """The reviews just added, for the subscriptions listening. A listener that falls this many
    reviews behind misses the newest ones rather than holding memory without bound."""

    QUEUE = 1000

    def __init__(self) -> None:
        self.listeners: set[asyncio.Queue[ReviewRow]] = set()
        self.ids = itertools.count(len(REVIEWS) + 1)

    def publish(self, row: ReviewRow) -> None:
        for queue in self.listeners:
            if queue.qsize() < self.QUEUE:
                queue.put_nowait(row)

    async def listen(self, upc: str | None) -> AsyncGenerator[ReviewRow, None]:
        queue: asyncio.Queue[ReviewRow] = asyncio.Queue()
        self.listeners.add(queue)
        try:
            while True:
                row = await queue.get()
                if upc is None or row.upc == upc:
                    yield row
        finally:
            self.listeners.discard(queue)


FEED = ReviewFeed()
DEFAULT_AUTHOR = strawberry.ID("u1")


@strawberry.interface
class Node:
    id: strawberry.ID


@strawberry.federation.type(keys=["id"])
class User(Node):
    id: strawberry.ID
    username: str = strawberry.federation.field(external=True)

    @strawberry.field
    def reviews(self) -> list[Review]:
        return [Review.from_row(row) for row in REVIEWS.values() if row.author_id == self.id]

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> User | None:
        username = USERNAMES.get(id)
        return cls(id=id, username=username) if username else None


@strawberry.federation.type(keys=["upc"])
class Product:
    upc: str

    @strawberry.field(
        directives=[
            ListSize(
                assumed_size=5,
                slicing_arguments=UNSET,
                sized_fields=UNSET,
                require_one_slicing_argument=UNSET,
            )
        ]
    )
    def reviews(self) -> list[Review]:
        return [Review.from_row(row) for row in REVIEWS.values() if row.upc == self.upc]

    @strawberry.field
    def average_rating(self) -> float | None:
        ratings = [row.rating for row in REVIEWS.values() if row.upc == self.upc]
        return round(sum(ratings) / len(ratings), 2) if ratings else None

    @classmethod
    def resolve_reference(cls, upc: str) -> Product:
        return cls(upc=upc)


@strawberry.federation.type(keys=["id"])
class Review(Node):
    id: strawberry.ID
    body: str
    rating: int
    author_id: strawberry.Private[str]
    upc: strawberry.Private[str]

    @strawberry.federation.field(provides=["username"])
    def author(self) -> User:
        return User(id=strawberry.ID(self.author_id), username=USERNAMES[self.author_id])

    @strawberry.field
    def product(self) -> Product:
        return Product(upc=self.upc)

    @classmethod
    def from_row(cls, row: ReviewRow) -> Review:
        return cls(
            id=strawberry.ID(row.id), body=row.body, rating=row.rating, author_id=row.author_id, upc=row.upc
        )

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> Review | None:
        row = REVIEWS.get(id)
        return cls.from_row(row) if row else None


@strawberry.type
class Query:
    @strawberry.field
    def node(self, id: strawberry.ID) -> Node | None:
        if id in REVIEWS:
            return Review.from_row(REVIEWS[id])
        return User.resolve_reference(id)

    @strawberry.field
    def latest_reviews(self, first: int = 5) -> list[Review]:
        rows = sorted(REVIEWS.values(), key=lambda row: int(row.id[1:]), reverse=True)
        return [Review.from_row(row) for row in rows[: max(first, 0)]]


@strawberry.type
class Mutation:
    @strawberry.mutation
    def add_review(self, upc: str, rating: int, body: str, author_id: strawberry.ID = DEFAULT_AUTHOR) -> Review:
        row = ReviewRow(f"r{next(FEED.ids)}", str(author_id), upc, rating, body)
        REVIEWS[row.id] = row
        FEED.publish(row)
        return Review.from_row(row)


@strawberry.type
class Subscription:
    @strawberry.subscription
    async def review_added(self, upc: str | None = None) -> AsyncGenerator[Review, None]:
        async for row in FEED.listen(upc):
            yield Review.from_row(row)


schema = strawberry.federation.Schema(query=Query, mutation=Mutation, subscription=Subscription,
                                      types=[User, Product, Review], federation_version="2.9")


def create_app() -> RequestCounter:
    return RequestCounter(GraphQL(schema), "reviews")
