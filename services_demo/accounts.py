"""The accounts subgraph (strawberry): who the shop's users are.

Owns ``User``; ``email`` needs an authenticated caller and ``address`` the ``owner`` policy.
"""

from __future__ import annotations

from dataclasses import dataclass

import strawberry
from strawberry.asgi import GraphQL

from services_demo.counting import RequestCounter


@dataclass(frozen=True)
class UserRow:
    id: str
    name: str
    username: str
    email: str
    address: str


USERS: dict[str, UserRow] = {
    row.id: row
    for row in (
        UserRow("u1", "Ada Lovelace", "ada", "ada@example.com", "12 St James's Square, London"),
        UserRow("u2", "Alan Turing", "alan", "alan@example.com", "78 High Street, Hampton"),
        UserRow("u3", "Grace Hopper", "grace", "grace@example.com", "1 Navy Yard, Arlington"),
        UserRow("u4", "Edsger Dijkstra", "edsger", "edsger@example.com", "Plataanstraat 5, Nuenen"),
        UserRow("u5", "Barbara Liskov", "barbara", "barbara@example.com", "32 Vassar Street, Cambridge"),
        UserRow("u6", "Donald Knuth", "don", "don@example.com", "Stanford, California"),
        UserRow("u7", "Margaret Hamilton", "margaret", "margaret@example.com", "Paoli, Indiana"),
        UserRow("u8", "John McCarthy", "jmc", "jmc@example.com", "Boston, Massachusetts"),
        UserRow("u9", "Frances Allen", "fran", "fran@example.com", "Peru, New York"),
        UserRow("u10", "Niklaus Wirth", "niklaus", "niklaus@example.com", "Winterthur, Switzerland"),
        UserRow("u11", "Radia Perlman", "radia", "radia@example.com", "Portsmouth, Virginia"),
        UserRow("u12", "Ken Thompson", "ken", "ken@example.com", "New Orleans, Louisiana"),
    )
}

# The demo has no login: "me" is always this user.
ME = "u1"


@strawberry.interface
class Node:
    id: strawberry.ID


@strawberry.federation.type(keys=["id"])
class User(Node):
    id: strawberry.ID
    name: str
    username: str = strawberry.federation.field(shareable=True)
    # Nullable, so that an anonymous caller still gets the rest of a user (the field comes back null).
    email: str | None = strawberry.federation.field(authenticated=True)
    address: str | None = strawberry.federation.field(policy=[["owner"]])

    @classmethod
    def from_row(cls, row: UserRow) -> User:
        return cls(
            id=strawberry.ID(row.id),
            name=row.name,
            username=row.username,
            email=row.email,
            address=row.address,
        )

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> User | None:
        row = USERS.get(id)
        return cls.from_row(row) if row else None


@strawberry.type
class Query:
    @strawberry.federation.field(authenticated=True)
    def me(self) -> User:
        return User.from_row(USERS[ME])

    @strawberry.field
    def user(self, id: strawberry.ID) -> User | None:
        row = USERS.get(id)
        return User.from_row(row) if row else None

    @strawberry.field
    def users(self) -> list[User]:
        return [User.from_row(row) for row in USERS.values()]


schema = strawberry.federation.Schema(query=Query, types=[User], federation_version="2.9")


def create_app() -> RequestCounter:
    return RequestCounter(GraphQL(schema), "accounts")
