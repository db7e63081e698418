"""``federation subgraph ...`` and ``federation graph ...``: the service teams' commands, shaped like
``rover subgraph ...``, talking to a registry over its GraphQL API.

Registry and token: ``--registry URL`` / ``--token T``, else ``FEDERATION_REGISTRY_URL`` /
``FEDERATION_REGISTRY_TOKEN``. Human output by default, ``--json`` for CI.
Exit status: 0 done, 1 refused or failed (composition errors, a declined confirmation), 2 error
(usage, network, authentication, server).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from federation.config import split_graph_ref
from federation.errors import BAD_REQUEST, BREAKING_CHANGES, RegistryError

from .client import RegistryClient, introspect

OK, REFUSED, ERROR = 0, 1, 2

_ISSUE = "code message subgraphs coordinate"
_COMPOSITION = f"""id sequence trigger subgraph refused ok createdAt createdBy
  errors {{ {_ISSUE} }} hints {{ {_ISSUE} }} subgraphs {{ name versionId routingUrl sha256 }}"""
_PREVIEW = f"ok supergraphSdl errors {{ {_ISSUE} }} hints {{ {_ISSUE} }}"
_CLIENT = "name version requests"
_CHECK = f"""id graph variant trigger subgraph sdlSha256 context verdict ok baseVersion breakingSha256
  compositionErrors {{ {_ISSUE} }}
  changes {{ code severity coordinate message subgraphs verdict
    usage {{ operationCount requests percent operations {{ hash name requests clients {{ {_CLIENT} }} }}
             clients {{ {_CLIENT} }} }} }}
  lints {{ rule coordinate message }}
  usage {{ hasData periodDays totalRequests minOperations minPercent excludeClients }}
  approval {{ by at context checkId }} createdAt createdBy"""
_SETTINGS = "usagePeriodDays minOperations minPercent excludeClients allowBreakingPublish lints"

PUBLISH = f"""mutation($graph: String!, $variant: String!, $name: String!, $url: String!, $sdl: String!,
  $commit: String, $metadata: JSON, $context: String) {{
  r: publishSubgraph(graph: $graph, variant: $variant, name: $name, routingUrl: $url, sdl: $sdl,
    commit: $commit, metadata: $metadata, context: $context) {{
    error {{ code message }} noop refused composition {{ {_COMPOSITION} }}
    subgraph {{ name versionId routingUrl sha256 }} check {{ {_CHECK} }}
  }}
}}"""
CHECK = f"""mutation($graph: String!, $variant: String!, $name: String!, $sdl: String!, $context: String) {{
  r: checkSubgraph(graph: $graph, variant: $variant, name: $name, sdl: $sdl, context: $context) {{
    error {{ code message }} ok composition {{ {_PREVIEW} }} check {{ {_CHECK} }}
  }}
}}"""
APPROVE = """mutation($graph: String!, $variant: String!, $check: ID, $context: String, $subgraph: String,
  $sha: String) {
  r: approveCheck(graph: $graph, variant: $variant, checkId: $check, context: $context, subgraph: $subgraph,
    sdlSha256: $sha) { error { code message } approval { by at context checkId } }
}"""
SETTINGS = f"""query($graph: String!, $variant: String!) {{
  r: variantSettings(graph: $graph, variant: $variant) {{ {_SETTINGS} }}
}}"""
UPDATE_SETTINGS = f"""mutation($graph: String!, $variant: String!, $days: Int, $minOps: Int, $minPercent: Float,
  $exclude: [String!], $allow: Boolean, $lints: JSON) {{
  r: updateVariantSettings(graph: $graph, variant: $variant, usagePeriodDays: $days, minOperations: $minOps,
    minPercent: $minPercent, excludeClients: $exclude, allowBreakingPublish: $allow, lints: $lints) {{
    error {{ code message }} settings {{ {_SETTINGS} }}
  }}
}}"""
DELETE = f"""mutation($graph: String!, $variant: String!, $name: String!, $dryRun: Boolean!) {{
  r: deleteSubgraph(graph: $graph, variant: $variant, name: $name, dryRun: $dryRun) {{
    error {{ code message }} dryRun deleted refused preview {{ {_PREVIEW} }} composition {{ {_COMPOSITION} }}
  }}
}}"""
ROLLBACK = f"""mutation($graph: String!, $variant: String!, $to: ID!) {{
  r: rollback(graph: $graph, variant: $variant, to: $to) {{ error {{ code message }} composition {{ {_COMPOSITION} }} }}
}}"""
SUBGRAPHS = """query($graph: String!, $variant: String!) {
  r: subgraphs(graph: $graph, variant: $variant) {
    name versionId routingUrl sha256 publishedBy publishedAt commit metadata sdl
  }
}"""
HISTORY = f"""query($graph: String!, $variant: String!, $limit: Int!) {{
  v: variant(graph: $graph, variant: $variant) {{ servedId }}
  r: history(graph: $graph, variant: $variant, limit: $limit) {{ {_COMPOSITION} }}
}}"""
DIFF = """query($graph: String!, $variant: String!, $from: ID, $to: ID) {
  r: diff(graph: $graph, variant: $variant, fromId: $from, toId: $to) { fromId toId text }
}"""
VARIANT = """query($graph: String!, $variant: String!) { r: variant(graph: $graph, variant: $variant) { servedId } }"""
COMPOSITION = """query($id: ID!) { r: composition(id: $id) { id sequence supergraphSdl } }"""


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("ref", metavar="GRAPH@VARIANT", help="e.g. shop@prod (variant default: current)")
    p.add_argument("--registry", help="registry URL (default: $FEDERATION_REGISTRY_URL)")
    p.add_argument("--token", help="registry token (default: $FEDERATION_REGISTRY_TOKEN)")
    p.add_argument("--ca-file", metavar="FILE",
                   help="PEM bundle trusted for an https registry or --introspect URL (default: "
                        "$FEDERATION_REGISTRY_CA_FILE, else the system's certificates)")
    p.add_argument("--json", action="store_true", help="print JSON (for CI)")


def _schema_source(p: argparse.ArgumentParser) -> None:
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--schema", metavar="FILE", help="the subgraph's SDL ('-' reads standard input)")
    source.add_argument("--introspect", metavar="URL", help="fetch the SDL from a running subgraph (_service)")


def register(subparsers: Any) -> None:
    sub = subparsers.add_parser("subgraph", help="publish, check, delete, list and fetch subgraphs in a registry")
    cmds = sub.add_subparsers(dest="subgraph_command", metavar="COMMAND", required=True)
    p = cmds.add_parser("publish", help="publish a subgraph schema (refused if it does not compose)")
    _common(p)
    p.add_argument("--name", required=True)
    p.add_argument("--routing-url", required=True)
    _schema_source(p)
    p.add_argument("--commit", help="the commit the schema comes from")
    p.add_argument("--metadata", help="a JSON object kept with the version")
    p.add_argument("--context", help="branch or PR id: an approval given in this context lets breaking changes through")
    p.set_defaults(func=_wrap(_publish))
    p = cmds.add_parser("check", help="composition, changes against the served supergraph judged by usage, lints")
    _common(p)
    p.add_argument("--name", required=True)
    _schema_source(p)
    p.add_argument("--context", help="branch or PR id (approvals are per context)")
    p.set_defaults(func=_wrap(_check))
    p = cmds.add_parser("approve", help="approve a failed check's breaking changes for a context")
    _common(p)
    p.add_argument("--check", dest="check_id", metavar="ID", help="the check to approve")
    p.add_argument("--context", help="the context (default: the check's own)")
    p.add_argument("--name", help="with --schema-hash instead of --check: the subgraph")
    p.add_argument("--schema-hash", metavar="SHA256", help="with --name: the proposed schema's sha256")
    p.set_defaults(func=_wrap(_approve))
    p = cmds.add_parser("delete", help="remove a subgraph (shows the composition it would leave first)")
    _common(p)
    p.add_argument("--name", required=True)
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p.set_defaults(func=_wrap(_delete))
    p = cmds.add_parser("list", help="the variant's current subgraphs")
    _common(p)
    p.set_defaults(func=_wrap(_list))
    p = cmds.add_parser("fetch", help="print a subgraph's current SDL")
    _common(p)
    p.add_argument("--name", required=True)
    p.set_defaults(func=_wrap(_fetch_subgraph))

    graph = subparsers.add_parser("graph", help="a registry variant's history, diffs, rollback, supergraph")
    cmds = graph.add_subparsers(dest="graph_command", metavar="COMMAND", required=True)
    p = cmds.add_parser("history", help="compositions, newest first")
    _common(p)
    p.add_argument("--limit", type=int, default=20)
    p.set_defaults(func=_wrap(_history))
    p = cmds.add_parser("diff", help="unified diff of two versions' supergraph (default: served vs previous)")
    _common(p)
    p.add_argument("--from", dest="from_id", metavar="ID")
    p.add_argument("--to", dest="to_id", metavar="ID")
    p.set_defaults(func=_wrap(_diff))
    p = cmds.add_parser("rollback", help="serve an earlier version again (a new history entry)")
    _common(p)
    p.add_argument("--to", dest="to_id", metavar="ID", required=True)
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p.set_defaults(func=_wrap(_rollback))
    p = cmds.add_parser("fetch", help="print the served supergraph SDL")
    _common(p)
    p.set_defaults(func=_wrap(_fetch_graph))
    p = cmds.add_parser("settings", help="show or change a variant's check settings (changing: admin)")
    _common(p)
    allow = p.add_mutually_exclusive_group()
    allow.add_argument("--allow-breaking-publish", dest="allow", action="store_const", const=True)
    allow.add_argument("--no-allow-breaking-publish", dest="allow", action="store_const", const=False)
    p.add_argument("--usage-period-days", type=int, metavar="DAYS")
    p.add_argument("--min-operations", type=int, metavar="N")
    p.add_argument("--min-percent", type=float, metavar="P")
    p.add_argument("--exclude-clients", metavar="A,B", help="client names left out of usage ('' for none)")
    p.add_argument("--lint", action="append", default=[], metavar="RULE=on|off")
    p.set_defaults(func=_wrap(_settings))


Command = Callable[[argparse.Namespace, RegistryClient], int]


def _wrap(command: Command) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        url = args.registry or os.environ.get("FEDERATION_REGISTRY_URL")
        token = args.token or os.environ.get("FEDERATION_REGISTRY_TOKEN")
        if not url:
            missing = RegistryError(BAD_REQUEST, "no registry: give --registry URL or FEDERATION_REGISTRY_URL")
            return _fail(args, missing)
        args.ca_file = args.ca_file or os.environ.get("FEDERATION_REGISTRY_CA_FILE") or None
        try:
            client = RegistryClient(url, token, ca_file=args.ca_file)
        except RegistryError as exc:
            return _fail(args, exc)
        try:
            return command(args, client)
        except RegistryError as exc:
            return _fail(args, exc)
        finally:
            client.close()
    return run


def _fail(args: argparse.Namespace, exc: RegistryError) -> int:
    if args.json:
        _print_json({"ok": False, "error": {"code": exc.code, "message": exc.message}})
    else:
        print(f"error[{exc.code}]: {exc.message}", file=sys.stderr)
    return ERROR


def _print_json(value: Any) -> None:
    print(json.dumps(value, indent=2))


def _vars(args: argparse.Namespace, **more: Any) -> dict[str, Any]:
    graph, variant = split_graph_ref(args.ref)
    return {"graph": graph, "variant": variant, **more}


def _read_schema(args: argparse.Namespace) -> str:
    if args.introspect:
        return introspect(args.introspect, ca_file=args.ca_file)
    try:
        return sys.stdin.read() if args.schema == "-" else Path(args.schema).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RegistryError(BAD_REQUEST, f"cannot read {args.schema}: {exc}") from exc


def _payload_error(result: dict[str, Any]) -> RegistryError | None:
    error = result.get("error")
    return RegistryError(error["code"], error["message"]) if error else None


def _print_issues(issues: list[dict[str, Any]], kind: str = "error") -> None:
    for issue in issues:
        where = f" at {issue['coordinate']}" if issue.get("coordinate") else ""
        subgraphs = f" (subgraphs: {', '.join(issue['subgraphs'])})" if issue.get("subgraphs") else ""
        print(f"{kind}[{issue['code']}]{where}{subgraphs}", file=sys.stderr)
        for line in str(issue["message"]).splitlines():
            print(f"  {line}", file=sys.stderr)


def _confirm(question: str) -> bool:
    sys.stderr.write(f"{question} [y/N] ")
    sys.stderr.flush()
    return sys.stdin.readline().strip().lower() in ("y", "yes")


def _publish(args: argparse.Namespace, client: RegistryClient) -> int:
    metadata = None
    if args.metadata:
        try:
            metadata = json.loads(args.metadata)
        except ValueError as exc:
            raise RegistryError(BAD_REQUEST, f"--metadata is not JSON: {exc}") from exc
    variables = _vars(args, name=args.name, url=args.routing_url, sdl=_read_schema(args), commit=args.commit,
                      metadata=metadata, context=args.context)
    r = client.execute(PUBLISH, variables)["r"]
    error = _payload_error(r)
    if args.json:
        _print_json({"ok": error is None, **r})
        return REFUSED if r["refused"] else (ERROR if error else OK)
    if r["refused"] and error is not None and error.code == BREAKING_CHANGES:
        _print_check(r["check"])
        print(f"refused[{error.code}]: {error.message}; approve the check "
              f"(federation subgraph approve {args.ref} --check {r['check']['id']} --context ...) and publish "
              "again with that --context", file=sys.stderr)
        return REFUSED
    if r["refused"]:
        _print_issues(r["composition"]["errors"])
        print(f"refused: {args.name} does not compose with {args.ref} (kept in history as version "
              f"{r['composition']['id']}; the served supergraph is unchanged)", file=sys.stderr)
        return REFUSED
    if error:
        raise error
    if r["noop"]:
        print(f"no change: {args.name} on {args.ref} already has this schema and routing URL")
        return OK
    c = r["composition"]
    _print_issues(c["hints"], "hint")
    check = r.get("check")
    if check and check["verdict"] in ("approved", "allowed"):
        _print_check(check)
    how = {"approved": " (breaking changes approved)", "allowed": " (breaking changes: the variant allows them)"}
    print(f"published {args.name} to {args.ref}: version {c['id']} (#{c['sequence']}) is now served"
          f"{how.get(check['verdict'], '') if check else ''}")
    return OK


def _check(args: argparse.Namespace, client: RegistryClient) -> int:
    r = client.execute(CHECK, _vars(args, name=args.name, sdl=_read_schema(args), context=args.context))["r"]
    error = _payload_error(r)
    if error:
        raise error
    check = r.get("check")
    if args.json:
        _print_json({"ok": r["ok"], "errors": r["composition"]["errors"], "hints": r["composition"]["hints"],
                     "check": check})
        return OK if r["ok"] else REFUSED
    _print_issues(r["composition"]["errors"])
    _print_issues(r["composition"]["hints"], "hint")
    composes = r["composition"]["ok"]
    print(f"{args.name} {'composes' if composes else 'does not compose'} with {args.ref}")
    if check:
        _print_check(check)
        print(f"check {check['id']}: {check['verdict'].upper()}{_why(check)}")
    return OK if r["ok"] else REFUSED


def _why(check: dict[str, Any]) -> str:
    if check["compositionErrors"]:
        return " (composition errors)"
    failing = [c for c in check["changes"] if c["verdict"] in ("in_use", "unjudged")]
    if check["verdict"] == "approved":
        a = check["approval"]
        return f" (approved by {a['by']} in context {a['context']!r})"
    return f" ({len(failing)} breaking change(s) {'in use' if check['usage']['hasData'] else 'not judged'})" \
        if failing else ""


def _client_text(c: dict[str, Any]) -> str:
    name = c["name"] or "(no client name)"
    return f"{name}{' ' + c['version'] if c['version'] else ''} ({c['requests']})"


def _print_check(check: dict[str, Any] | None) -> None:
    """Changes with severity, coordinate, message and usage figures; then lints (warnings)."""
    if not check:
        return
    usage = check["usage"]
    if check["changes"]:
        print(f"changes ({len(check['changes'])}):")
    for c in check["changes"]:
        print(f"  {c['severity']:<9} {c['coordinate'] or '-':<32} {c['code']}: {c['message']}")
        u = c["usage"]
        if c["verdict"] == "unjudged":
            print("            no usage data: treated as breaking")
        elif c["verdict"] == "safe_by_usage":
            print(f"            safe by usage: {u['operationCount']} operation(s), {u['requests']} request(s) "
                  f"({u['percent']:.2f}%) in the last {usage['periodDays']} days")
        elif c["verdict"] == "in_use":
            print(f"            IN USE: {u['operationCount']} operation(s), {u['requests']} request(s) "
                  f"({u['percent']:.2f}%) in the last {usage['periodDays']} days")
            for o in u["operations"]:
                clients = ", ".join(_client_text(x) for x in o["clients"])
                print(f"              {o['name'] or '(anonymous)'} {o['hash'][:16]}: {o['requests']} by {clients}")
    if check["changes"] and not usage["hasData"]:
        print(f"no usage data for {check['graph']}@{check['variant']} in the last {usage['periodDays']} days: "
              "breaking changes are treated as breaking")
    for lint in check["lints"]:
        print(f"warning[{lint['rule']}] {lint['coordinate']}: {lint['message']}")


def _approve(args: argparse.Namespace, client: RegistryClient) -> int:
    if not args.check_id and not (args.name and args.schema_hash):
        raise RegistryError(BAD_REQUEST, "give --check ID, or --name and --schema-hash (with --context)")
    r = client.execute(APPROVE, _vars(args, check=args.check_id, context=args.context, subgraph=args.name,
                                      sha=args.schema_hash))["r"]
    error = _payload_error(r)
    if error:
        raise error
    a = r["approval"]
    if args.json:
        _print_json({"ok": True, "approval": a})
    else:
        what = f"check {a['checkId']}" if a["checkId"] else f"{args.name} schema {args.schema_hash[:12]}"
        print(f"approved {what} on {args.ref} for context {a['context']!r}: a check or publish of the same "
              "change in that context passes")
    return OK


def _settings(args: argparse.Namespace, client: RegistryClient) -> int:
    lints: dict[str, bool] = {}
    for item in args.lint:
        rule, _, value = item.partition("=")
        if value not in ("on", "off"):
            raise RegistryError(BAD_REQUEST, f"--lint {item!r}: expected RULE=on or RULE=off")
        lints[rule] = value == "on"
    exclude = None
    if args.exclude_clients is not None:
        exclude = [c for c in args.exclude_clients.split(",") if c]
    changes = {"days": args.usage_period_days, "minOps": args.min_operations, "minPercent": args.min_percent,
               "exclude": exclude, "allow": args.allow, "lints": lints or None}
    if any(v is not None for v in changes.values()):
        r = client.execute(UPDATE_SETTINGS, _vars(args, **changes))["r"]
        error = _payload_error(r)
        if error:
            raise error
        settings = r["settings"]
    else:
        settings = client.execute(SETTINGS, _vars(args))["r"]
    if args.json:
        _print_json(settings)
    else:
        for key, value in settings.items():
            print(f"{key}: {json.dumps(value)}")
    return OK


def _delete(args: argparse.Namespace, client: RegistryClient) -> int:
    dry = client.execute(DELETE, _vars(args, name=args.name, dryRun=True))["r"]
    error = _payload_error(dry)
    if error:
        raise error
    preview = dry["preview"]
    if not args.json:
        if preview["ok"]:
            print(f"without {args.name}, {args.ref} composes", file=sys.stderr)
        else:
            _print_issues(preview["errors"])
            print(f"without {args.name}, {args.ref} does not compose: the delete would be refused", file=sys.stderr)
    if not args.yes and not _confirm(f"delete {args.name} from {args.ref}?"):
        if args.json:
            _print_json({"ok": False, "deleted": False, "declined": True, "preview": preview})
        else:
            print("not deleted", file=sys.stderr)
        return REFUSED
    r = client.execute(DELETE, _vars(args, name=args.name, dryRun=False))["r"]
    if args.json:
        _print_json({"ok": r["deleted"], **r})
    elif r["deleted"]:
        print(f"deleted {args.name} from {args.ref}: version {r['composition']['id']} is now served")
    elif r["refused"]:
        print(f"refused: without {args.name}, {args.ref} does not compose (kept in history)", file=sys.stderr)
    if r["refused"]:
        return REFUSED
    error = _payload_error(r)
    if error and not args.json:
        raise error
    return ERROR if error else OK


def _list(args: argparse.Namespace, client: RegistryClient) -> int:
    subgraphs = client.execute(SUBGRAPHS, _vars(args))["r"]
    if args.json:
        _print_json([{k: v for k, v in s.items() if k != "sdl"} for s in subgraphs])
        return OK
    if not subgraphs:
        print(f"{args.ref} has no subgraphs")
    for s in subgraphs:
        print(f"{s['name']:<20} {s['routingUrl']:<40} version {s['versionId']:<6} "
              f"by {s['publishedBy']} at {s['publishedAt']}")
    return OK


def _fetch_subgraph(args: argparse.Namespace, client: RegistryClient) -> int:
    found = [s for s in client.execute(SUBGRAPHS, _vars(args))["r"] if s["name"] == args.name]
    if not found:
        raise RegistryError("SUBGRAPH_NOT_FOUND", f"{args.ref} has no subgraph {args.name!r}")
    if args.json:
        _print_json(found[0])
    else:
        sys.stdout.write(found[0]["sdl"].rstrip("\n") + "\n")
    return OK


def _history(args: argparse.Namespace, client: RegistryClient) -> int:
    data = client.execute(HISTORY, _vars(args, limit=args.limit))
    served = data["v"]["servedId"]
    if args.json:
        _print_json({"served": served, "history": data["r"]})
        return OK
    for c in data["r"]:
        state = "served" if c["id"] == served else ("refused" if c["refused"] else "ok")
        what = f"{c['trigger']} {c['subgraph'] or ''}".strip()
        print(f"#{c['sequence']:<5} {c['id']}  {state:<8} {what:<30} {c['createdAt']}  by {c['createdBy']}")
    return OK


def _diff(args: argparse.Namespace, client: RegistryClient) -> int:
    d = client.execute(DIFF, _vars(args, **{"from": args.from_id, "to": args.to_id}))["r"]
    if args.json:
        _print_json(d)
    else:
        sys.stdout.write(d["text"] or f"no difference between {d['fromId']} and {d['toId']}\n")
    return OK


def _rollback(args: argparse.Namespace, client: RegistryClient) -> int:
    if not args.yes and not _confirm(f"serve version {args.to_id} of {args.ref} again?"):
        print("not rolled back", file=sys.stderr)
        return REFUSED
    r = client.execute(ROLLBACK, _vars(args, to=args.to_id))["r"]
    error = _payload_error(r)
    if error:
        raise error
    if args.json:
        _print_json({"ok": True, **r})
    else:
        c = r["composition"]
        print(f"rolled back {args.ref} to {args.to_id}: new version {c['id']} (#{c['sequence']}) is now served")
    return OK


def _fetch_graph(args: argparse.Namespace, client: RegistryClient) -> int:
    served = client.execute(VARIANT, _vars(args))["r"]["servedId"]
    if served is None:
        raise RegistryError("NO_SUPERGRAPH", f"{args.ref} has nothing composed yet")
    c = client.execute(COMPOSITION, {"id": served})["r"]
    if args.json:
        _print_json(c)
    else:
        sys.stdout.write(c["supergraphSdl"].rstrip("\n") + "\n")
    return OK
