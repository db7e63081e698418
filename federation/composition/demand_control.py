"""``@cost`` and ``@listSize`` (demand control): where they may go and what their arguments may name.

The supergraph keeps both under one name, so every subgraph must import them under the same one
(LINK_IMPORT_NAME_MISMATCH); per subgraph, ``@cost`` stays off interface fields and ``@listSize``
only sizes lists, through Int slicing arguments and list fields of the returned object.
"""

from __future__ import annotations

from graphql import GraphQLSyntaxError, IntValueNode, ListValueNode, StringValueNode, ValueNode, parse
from graphql.language import FieldNode, OperationDefinitionNode

from federation import errors as E

from .model import Field, Subgraph, TypeDef
from .result import CompositionIssue
from .typeref import named, nullable

KEPT_BY_NAME = ("cost", "listSize")
FEDERATION_URL = "https://specs.apollo.dev/federation/v{}.{}"


def _args(printed: str) -> dict[str, ValueNode]:
    """Arguments of an applied directive kept in printed form, ``(assumedSize: 10)``."""
    if not printed:
        return {}
    try:
        op = parse("{ f" + printed + " }", no_location=True).definitions[0]
    except GraphQLSyntaxError:
        return {}
    assert isinstance(op, OperationDefinitionNode)
    field = op.selection_set.selections[0]
    assert isinstance(field, FieldNode)
    return {a.name.value: a.value for a in field.arguments or ()}


def _strings(v: ValueNode | None) -> list[str]:
    if isinstance(v, ListValueNode):
        return [x.value for x in v.values if isinstance(x, StringValueNode)]
    return [v.value] if isinstance(v, StringValueNode) else []


def _is_list(type_ref: str) -> bool:
    return nullable(type_ref).startswith("[")


class _Checker:
    def __init__(self, sg: Subgraph) -> None:
        self.sg = sg
        self.issues: list[CompositionIssue] = []

    def err(self, code: str, coord: str, message: str) -> None:
        self.issues.append(CompositionIssue(code, f"[{self.sg.name}] {message}", (self.sg.name,), coord))

    def run(self) -> list[CompositionIssue]:
        for t in self.sg.types.values():
            for f in t.fields.values():
                coord = f"{t.name}.{f.name}"
                for name, printed in f.applied:
                    if name == "cost" and t.kind == "interface":
                        message = f'@cost cannot be applied to interface "{coord}"'
                        self.err(E.COST_APPLIED_TO_INTERFACE_FIELD, coord, message)
                    if name == "listSize":
                        self.list_size(t, f, coord, _args(printed))
        return self.issues

    def list_size(self, t: TypeDef, f: Field, coord: str, args: dict[str, ValueNode]) -> None:
        assumed = args.get("assumedSize")
        if isinstance(assumed, IntValueNode) and int(assumed.value) < 0:
            self.err(E.LIST_SIZE_INVALID_ASSUMED_SIZE, coord, f'Assumed size of "{coord}" cannot be negative')
        sized = _strings(args.get("sizedFields"))
        if not sized and not _is_list(f.type):
            self.err(E.LIST_SIZE_APPLIED_TO_NON_LIST, coord, f'"{coord}" is not a list')
        for arg in _strings(args.get("slicingArguments")):
            a = f.args.get(arg)
            if a is None:
                self.err(
                    E.LIST_SIZE_INVALID_SLICING_ARGUMENT,
                    coord,
                    f'Slicing argument "{arg}" is not an argument of "{coord}"',
                )
            elif nullable(a.type) != "Int":
                self.err(
                    E.LIST_SIZE_INVALID_SLICING_ARGUMENT,
                    coord,
                    f'Slicing argument "{coord}({arg}:)" must be Int or Int!',
                )
        if not sized:
            return
        target = self.sg.types.get(named(f.type))
        if target is None or target.kind not in ("object", "interface"):
            self.err(
                E.LIST_SIZE_INVALID_SIZED_FIELD,
                coord,
                f'Sized fields cannot be used because "{f.type}" is not a composite type',
            )
            return
        for name in sized:
            sf = target.fields.get(name)
            if sf is None:
                self.err(
                    E.LIST_SIZE_INVALID_SIZED_FIELD,
                    coord,
                    f'Sized field "{name}" is not a field on type "{target.name}"',
                )
            elif not _is_list(sf.type):
                self.err(E.LIST_SIZE_APPLIED_TO_NON_LIST, coord, f'Sized field "{target.name}.{name}" is not a list')


def check_demand_control(sg: Subgraph) -> list[CompositionIssue]:
    return _Checker(sg).run()


def check_import_names(subgraphs: list[Subgraph]) -> list[CompositionIssue]:
    """``@cost`` and ``@listSize`` imported under one name everywhere (the supergraph has one)."""
    out: list[CompositionIssue] = []
    for fed in KEPT_BY_NAME:
        found = [(sg, sg.imports[fed]) for sg in subgraphs if fed in sg.imports]
        names = {local for _, local in found}
        if len(names) < 2:
            continue
        first_sg, first = found[0]
        other_sg, other = next((sg, local) for sg, local in found if local != first)
        version = first_sg.version or (2, 0)
        out.append(
            CompositionIssue(
                E.LINK_IMPORT_NAME_MISMATCH,
                f'The "@{fed}" directive (from {FEDERATION_URL.format(*version)}) is imported with mismatched name '
                f'between subgraphs: it is imported as "@{first}" in subgraph "{first_sg.name}" but "@{other}" in '
                f'subgraph "{other_sg.name}"',
                tuple(sg.name for sg, _ in found),
                f"@{fed}",
            )
        )
    return out
