"""Checks on one subgraph, and the Federation 1 upgrade, run before merging.

Also records which fields each subgraph's field sets use (``Usage``): merging needs it to tell an
overridden field that is still used (``usedOverridden``) from one that is gone.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from federation import errors as E

from .fieldset import DirectiveInFieldSet, FieldSetError, FieldUse, walk
from .model import Field, Subgraph, TypeDef
from .result import CompositionIssue
from .typeref import named

Coord = tuple[str, str]
AUTH = ("authenticated", "requiresScopes", "policy")
DIRECTIVE_CODES = {
    "@key fields": E.KEY_DIRECTIVE_IN_FIELDS_ARG,
    "@provides": E.PROVIDES_DIRECTIVE_IN_FIELDS_ARG,
    "@requires": E.REQUIRES_DIRECTIVE_IN_FIELDS_ARG,
}


@dataclass
class Usage:
    in_keys: set[Coord] = field(default_factory=set)
    in_requires: set[Coord] = field(default_factory=set)
    in_provides: set[Coord] = field(default_factory=set)
    in_interfaces: set[Coord] = field(default_factory=set)  # object fields an implemented interface declares

    def uses(self, c: Coord) -> bool:
        return c in self.in_keys or c in self.in_requires or c in self.in_provides

    def keeps_overridden(self, c: Coord) -> bool:
        """The subgraph still needs its copy of a field another subgraph took over."""
        return c in self.in_keys or c in self.in_requires or c in self.in_interfaces


class _Checker:
    def __init__(self, sg: Subgraph) -> None:
        self.sg = sg
        self.usage = Usage()
        self.issues: list[CompositionIssue] = []

    def err(self, code: str, coord: str, message: str) -> None:
        self.issues.append(CompositionIssue(code, f"[{self.sg.name}] {message}", (self.sg.name,), coord))

    def fieldset(self, code: str, parent: str, text: str, where: str, what: str) -> list[FieldUse] | None:
        try:
            uses = walk(self.sg, parent, text)
        except DirectiveInFieldSet as e:
            self.err(DIRECTIVE_CODES[what], where, f'On {where}, the {what} "{text}" is invalid: {e}.')
            return None
        except FieldSetError as e:
            self.err(code, where, f'On {where}, the {what} "{text}" is invalid: {e}.')
            return None
        for u in uses:
            if u.field is None:
                self.err(
                    code,
                    where,
                    f'On {where}, the {what} "{text}" is invalid: '
                    f'cannot query field "{u.name}" on type "{u.parent}" (the field is not defined there).',
                )
                return None
            target = self.sg.types.get(named(u.field.type))
            composite = target is not None and target.kind in ("object", "interface", "union")
            if composite != u.has_selection:
                problem = (
                    f'Invalid empty selection set for field "{u.parent}.{u.name}" of non-leaf type {u.field.type}'
                    if composite
                    else f'field "{u.parent}.{u.name}" of leaf type {u.field.type} cannot have a selection set'
                )
                self.err(code, where, f'On {where}, the {what} "{text}" is invalid: {problem}.')
                return None
        return uses

    def run(self) -> None:
        for t in self.sg.types.values():
            for i in t.interfaces:
                it = self.sg.types.get(i)
                self.usage.in_interfaces |= {(t.name, f) for f in (it.fields if it else ()) if f in t.fields}
        for t in self.sg.types.values():
            if t.kind in ("object", "interface"):
                self.keys(t)
        for t in self.sg.types.values():
            if t.kind in ("object", "interface"):
                for f in list(t.fields.values()):
                    self.field_sets(t, f.name)
        for t in self.sg.types.values():
            self.shareable_usage(t)
            self.auth_on_interfaces(t)
        for t in self.sg.types.values():
            if t.kind in ("object", "interface"):
                self.externals(t)
                self.overrides(t)
                self.from_context(t)

    def auth_on_interfaces(self, t: TypeDef) -> None:
        """Authorization belongs on the objects: an interface's requirements would not hold for every type."""
        if t.kind == "interface" or t.interface_object:
            where = f'interface object "{t.name}"' if t.interface_object else f'interface "{t.name}"'
            found = [(where, n) for n, _ in t.applied if n in AUTH]
            if t.kind == "interface":
                found += [
                    (f'field "{t.name}.{f.name}"', n) for f in t.fields.values() for n, _ in f.applied if n in AUTH
                ]
            for where, n in found:
                self.err(
                    E.AUTH_REQUIREMENTS_APPLIED_ON_INTERFACE,
                    t.name,
                    f"Invalid use of @{n} on {where}: @{n} cannot be applied on interfaces, interface fields and "
                    "interface objects",
                )

    def shareable_usage(self, t: TypeDef) -> None:
        explicit = [f for f in t.fields.values() if f.shareable] if not self.sg.is_fed1 else []
        if t.kind == "interface":
            for f in explicit:
                self.err(
                    E.INVALID_SHAREABLE_USAGE,
                    f"{t.name}.{f.name}",
                    f'Invalid use of @shareable on field "{t.name}.{f.name}": only object type fields can be marked '
                    "with @shareable",
                )
        elif t.name == self.sg.roots.get("subscription") and explicit:
            self.err(
                E.INVALID_FIELD_SHARING,
                t.name,
                "Fields on root level subscription object cannot be marked as shareable",
            )

    def keys(self, t: TypeDef) -> None:
        if t.kind == "interface" and t.keys and (self.sg.version is None or self.sg.version < (2, 3)):
            self.err(
                E.KEY_UNSUPPORTED_ON_INTERFACE,
                t.name,
                f'Cannot use @key on interface "{t.name}": @key on interfaces needs federation v2.3 or later.',
            )
        if t.interface_object and not t.keys:
            self.err(
                E.INTERFACE_OBJECT_USAGE_ERROR,
                t.name,
                f'The @interfaceObject type "{t.name}" must have a @key (it stands for an entity interface).',
            )
        for k in t.keys:
            uses = self.fieldset(E.KEY_INVALID_FIELDS, t.name, k.fields, f'type "{t.name}"', "@key fields")
            for u in uses or ():
                self.usage.in_keys.add((u.parent, u.name))
                assert u.field is not None
                if u.has_args or u.field.args:
                    self.err(
                        E.KEY_FIELDS_HAS_ARGS,
                        f"{u.parent}.{u.name}",
                        f'On type "{t.name}", the @key "{k.fields}" selects field "{u.parent}.{u.name}" '
                        "which has arguments; key fields cannot take arguments.",
                    )
                target = self.sg.types.get(named(u.field.type))
                if target is not None and target.kind in ("interface", "union"):
                    self.err(
                        E.KEY_FIELDS_SELECT_INVALID_TYPE,
                        f"{u.parent}.{u.name}",
                        f'On type "{t.name}", the @key "{k.fields}" selects field "{u.parent}.{u.name}" of '
                        f'{target.kind} type "{target.name}"; key fields cannot be interfaces or unions.',
                    )
            # @external on the key fields of an extension only says "defined elsewhere": not external.
            if uses and (t.extends_directive or (t.has_extension and not t.has_definition)):
                for u in uses:
                    if u.parent == t.name and u.field is not None:
                        u.field.external = False

    def field_sets(self, t: TypeDef, name: str) -> None:
        f = t.fields[name]
        coord = f"{t.name}.{name}"
        if t.kind == "interface" and (f.requires is not None or f.provides is not None):
            which, code = ("@requires", E.REQUIRES_UNSUPPORTED_ON_INTERFACE)
            if f.requires is None:
                which, code = ("@provides", E.PROVIDES_UNSUPPORTED_ON_INTERFACE)
            self.err(
                code,
                coord,
                f'Cannot use {which} on field "{coord}" of parent type "{t.name}": {which} is not yet supported '
                "within interfaces",
            )
            target = self.sg.types.get(named(f.type))
            if f.provides is not None and (target is None or target.kind not in ("object", "interface", "union")):
                self._provides_on_non_object(coord, f)
            return
        merged = [n for n, _ in f.applied if n != "deprecated"]
        if f.external and merged:
            self.err(
                E.MERGED_DIRECTIVE_APPLICATION_ON_EXTERNAL,
                coord,
                f'Cannot apply merged directive @{merged[0]} to external field "{coord}": apply it where the '
                "field is resolved.",
            )
        if f.external and f.provides is not None and not self.sg.is_fed1:
            self.err(
                E.EXTERNAL_COLLISION_WITH_ANOTHER_DIRECTIVE,
                coord,
                f'Cannot have both @provides and @external on field "{coord}": a subgraph provides only '
                "fields it resolves.",
            )
        if f.requires is not None:
            uses = self.fieldset(E.REQUIRES_INVALID_FIELDS, t.name, f.requires, f'field "{coord}"', "@requires")
            if self._drop_inactive(f, uses, "requires"):
                uses = None
            for u in self._top_external_check(uses, t.name, E.REQUIRES_FIELDS_MISSING_EXTERNAL, coord, "@requires"):
                self.usage.in_requires.add((u.parent, u.name))
        if f.provides is not None:
            target = self.sg.types.get(named(f.type))
            if (target is None or target.kind not in ("object", "interface", "union")) and self.sg.is_fed1:
                f.provides = None  # Federation 1 ignored such a @provides; the upgrade drops it
                return
            if target is None or target.kind not in ("object", "interface", "union"):
                self._provides_on_non_object(coord, f)
                return
            uses = self.fieldset(E.PROVIDES_INVALID_FIELDS, target.name, f.provides, f'field "{coord}"', "@provides")
            if self._drop_inactive(f, uses, "provides"):
                uses = None
            for u in uses or ():
                if u.has_args or (u.field is not None and u.field.args):
                    self.err(
                        E.PROVIDES_FIELDS_HAS_ARGS,
                        coord,
                        f'On field "{coord}", @provides selects "{u.parent}.{u.name}" with arguments.',
                    )
            for u in self._top_external_check(
                uses, target.name, E.PROVIDES_FIELDS_MISSING_EXTERNAL, coord, "@provides"
            ):
                self.usage.in_provides.add((u.parent, u.name))

    def _provides_on_non_object(self, coord: str, f: Field) -> None:
        self.err(
            E.PROVIDES_ON_NON_OBJECT_FIELD,
            coord,
            f'Invalid @provides directive on field "{coord}": field has type "{f.type}" which is not a Composite Type',
        )

    def _drop_inactive(self, f: Field, uses: list[FieldUse] | None, which: str) -> bool:
        """Federation 1 tolerated a @requires/@provides naming no @external field; the upgrade drops it."""
        if not self.sg.is_fed1 or uses is None or any(u.field is not None and u.field.external for u in uses):
            return False
        setattr(f, which, None)
        return True

    def _top_external_check(
        self, uses: list[FieldUse] | None, root: str, code: str, coord: str, what: str
    ) -> list[FieldUse]:
        """Each leaf a field set selects must be @external, or sit under an @external field."""
        if not uses:
            return []
        for u in uses:
            if u.has_selection or u.under_external or u.field is None or u.field.external:
                continue
            parent = self.sg.types.get(u.parent)
            if parent is not None and parent.kind == "interface":
                continue  # interface fields are never external; their implementations' fields are
            if self.sg.is_fed1:
                continue  # Federation 1 allowed it; the upgrade keeps such sets as they are
            self.err(
                code,
                coord,
                f'On field "{coord}", {what} selects "{u.parent}.{u.name}", which is not marked @external '
                f'in subgraph "{self.sg.name}". Add @external to "{u.parent}.{u.name}" (or drop it from '
                f"{what}).",
            )
        return uses

    def externals(self, t: TypeDef) -> None:
        parents = {n for i in t.interfaces if (it := self.sg.types.get(i)) is not None for n in it.fields}
        for f in list(t.fields.values()):
            if not f.external:
                continue
            coord = f"{t.name}.{f.name}"
            if t.kind == "interface":
                if self.sg.is_fed1:
                    f.external = False
                    continue
                self.err(E.EXTERNAL_ON_INTERFACE, coord, f'Interface field "{coord}" cannot be @external.')
                continue
            if self.usage.uses((t.name, f.name)) or self._used_nested(t.name, f.name) \
                    or self._read_from_context(f.name):
                continue
            if self.sg.is_fed1:
                del t.fields[f.name]  # Federation 1 tolerated unused @external fields; the upgrade drops them
                continue
            if f.name in parents:
                continue
            self.err(
                E.EXTERNAL_UNUSED,
                coord,
                f'Field "{coord}" is marked @external but is not used by any @key, @requires or @provides '
                f'in subgraph "{self.sg.name}". Remove it, or use it in a field set.',
            )

    def _used_nested(self, parent: str, name: str) -> bool:
        # Externals reached through a selection on another type (e.g. provided via an interface) count too.
        t = self.sg.types[parent]
        return any(
            c[1] == name
            and (c[0] in t.interfaces or ((u := self.sg.types.get(c[0])) is not None and parent in u.members))
            for c in self.usage.in_provides | self.usage.in_requires
        )

    def _read_from_context(self, name: str) -> bool:
        """An @external field a @fromContext selection reads: the gateway fetches it for the context."""
        import re

        word = re.compile(rf"(?<![_0-9A-Za-z]){re.escape(name)}(?![_0-9A-Za-z])")
        return any(word.search(text.partition(" ")[2] or text.partition("{")[2])
                   for tt in self.sg.types.values() for ff in tt.fields.values() for text in ff.from_context.values())

    def from_context(self, t: TypeDef) -> None:
        known = {c for tt in self.sg.types.values() for c in tt.contexts}
        for f in t.fields.values():
            for arg, text in f.from_context.items():
                name = text.strip().lstrip("$").split(" ")[0].split("{")[0]
                if name not in known:
                    self.err(
                        E.CONTEXT_NOT_SET,
                        f"{t.name}.{f.name}({arg}:)",
                        f'Context "{name}" used in @fromContext on "{t.name}.{f.name}({arg}:)" is never set: '
                        f'add @context(name: "{name}") to the type that provides it.',
                    )

    def overrides(self, t: TypeDef) -> None:
        for f in t.fields.values():
            if f.override is None:
                continue
            coord = f"{t.name}.{f.name}"
            if t.kind == "interface":
                self.err(E.OVERRIDE_ON_INTERFACE, coord, f'@override cannot be used on interface field "{coord}".')
            elif f.override == self.sg.name:
                self.err(
                    E.OVERRIDE_FROM_SELF_ERROR,
                    coord,
                    f'Source and destination subgraphs "{self.sg.name}" are the same for overridden field "{coord}".',
                )
            elif f.external:
                self.err(
                    E.OVERRIDE_COLLISION_WITH_ANOTHER_DIRECTIVE,
                    coord,
                    f'@override cannot be used on field "{coord}" together with @external.',
                )
            if f.override_label is not None and not _valid_label(f.override_label):
                self.err(
                    E.OVERRIDE_LABEL_INVALID,
                    coord,
                    f'Invalid @override label "{f.override_label}" on "{coord}": use "percent(N)" or a name '
                    "starting with a letter (letters, digits, _ - . : /).",
                )


def _valid_label(label: str) -> bool:
    import re

    return bool(re.fullmatch(r"percent\((\d{1,2}(\.\d{1,8})?|100)\)|[A-Za-z][A-Za-z0-9_\-:./]*", label))


def check_and_upgrade(sg: Subgraph) -> tuple[Usage, list[CompositionIssue]]:
    if sg.is_fed1:
        subscription = sg.roots.get("subscription")
        roots = set(sg.roots.values())
        for t in sg.types.values():
            if t.kind == "interface":
                t.keys = []  # Federation 1 ignored @key on interfaces; the upgrade drops it
            if t.kind == "object" and t.name != subscription:
                for f in t.fields.values():
                    # Federation 1 let any subgraph resolve any field, but for the fields a value type's
                    # extension adds: Apollo's upgrade does not share those.
                    f.shareable = f.shareable or not (f.in_extension and not t.keys and t.name not in roots)
    c = _Checker(sg)
    c.run()
    return c.usage, c.issues
