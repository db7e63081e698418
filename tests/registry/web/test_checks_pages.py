"""The checks pages over real HTTP: a failed check's breaking change with its usage figures, an
approved one, composition errors, and who may see which."""

from __future__ import annotations

from ..conftest import Running
from ..test_http import publish, token
from .web_helpers import approve, check, get, report_usage

V1 = '''type Query { me: User, oldField: Int }
type User @key(fields: "id") { id: ID!, name: String }
'''
V2 = '''type Query { me: User, newField: String }
type User @key(fields: "id") { id: ID!, name: String }
'''


def test_a_failed_check_shows_its_changes_usage_and_approval(registry: Running, graph_name: str) -> None:
    assert publish(registry, registry.admin, graph_name, "accounts", V1)["error"] is None
    report_usage(registry, graph_name, "GetOld", ["Query.oldField"], "ios", 40)
    passed, failed_id = check(registry, graph_name, "accounts", V2, context="release-7")
    assert not passed
    listing = get(registry.url, f"/graphs/{graph_name}/prod/checks", registry.admin)
    assert listing.status_code == 200
    assert f'/checks/{failed_id}"' in listing.text and ">failed<" in listing.text and "release-7" in listing.text
    page = get(registry.url, f"/graphs/{graph_name}/prod/checks/{failed_id}", registry.admin)
    assert page.status_code == 200
    text = page.text
    for expected in ("FIELD_REMOVED", "<code>Query.oldField</code>", ">BREAKING<", "in use", "GetOld",
                     "ios 1.0 (40)", "FIELD_ADDED", "<code>Query.newField</code>", ">SAFE<", ">failed<",
                     "40 recorded requests over"):
        assert expected in text, expected
    assert ">none<" in text  # no approval yet
    overview = get(registry.url, f"/graphs/{graph_name}/prod", registry.admin).text
    assert f'/checks/{failed_id}"' in overview and "Recent checks" in overview
    # Approved for the context, the same change checks as approved, and says by whom.
    approve(registry, graph_name, failed_id, "release-7")
    passed, approved_id = check(registry, graph_name, "accounts", V2, context="release-7")
    assert passed
    approved = get(registry.url, f"/graphs/{graph_name}/prod/checks/{approved_id}", registry.admin).text
    assert ">approved<" in approved and "approved by <strong>admin</strong>" in approved


def test_a_check_that_does_not_compose(registry: Running, graph_name: str) -> None:
    assert publish(registry, registry.admin, graph_name, "accounts", V1)["error"] is None
    passed, check_id = check(registry, graph_name, "accounts", 'type Query { x: Nope } # <b>bold</b>')
    assert not passed
    page = get(registry.url, f"/graphs/{graph_name}/prod/checks/{check_id}", registry.admin)
    assert page.status_code == 200 and "Composition errors" in page.text and "INVALID_GRAPHQL" in page.text


def test_checks_of_another_graph_or_variant_are_not_found(registry: Running, graph_name: str) -> None:
    other = graph_name + "x"
    for graph in (graph_name, other):
        assert publish(registry, registry.admin, graph, "accounts", V1)["error"] is None
    assert publish(registry, registry.admin, graph_name, "accounts", V1, variant="staging")["error"] is None
    _, theirs = check(registry, other, "accounts", V2)
    _, staging = check(registry, graph_name, "accounts", V2, variant="staging")
    reader = token(registry, "read", graph_name)
    assert get(registry.url, f"/graphs/{graph_name}/prod/checks", reader).status_code == 200
    for path in (f"/graphs/{other}/prod/checks", f"/graphs/{other}/prod/checks/{theirs}",
                 f"/graphs/{graph_name}/prod/checks/{theirs}", f"/graphs/{graph_name}/prod/checks/{staging}",
                 f"/graphs/{graph_name}/prod/checks/0000000000000000", f"/graphs/{graph_name}/prod/checks/a..b"):
        page = get(registry.url, path, reader)
        assert page.status_code == 404, path
    assert get(registry.url, f"/graphs/{graph_name}/staging/checks/{staging}", reader).status_code == 200
