"""One exception tree: every exception the gateway raises across modules is defined in
``federation/errors.py``, derives from ``GatewayError`` and is drawn in that module's docstring."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

from federation import errors

PACKAGE = Path(errors.__file__).parent
# Control-flow signals that never leave their package (the docstring names them as such).
PRIVATE_SIGNALS = {"ClientDisconnected", "FieldSetError", "DirectiveInFieldSet", "_NeedsCare"}


def _exception_classes(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            bases = {b.id if isinstance(b, ast.Name) else getattr(b, "attr", "") for b in node.bases}
            if any(b.endswith(("Error", "Exception", "Failure", "Failed")) for b in bases):
                out.append(node.name)
    return out


def test_exceptions_live_in_errors_only() -> None:
    elsewhere = {
        f"{path.relative_to(PACKAGE)}:{name}"
        for path in PACKAGE.rglob("*.py") if path.name != "errors.py" or path.parent != PACKAGE
        for name in _exception_classes(path) if name not in PRIVATE_SIGNALS
    }
    assert elsewhere == set()


def test_every_exception_is_a_gateway_error_drawn_in_the_docstring() -> None:
    doc = errors.__doc__ or ""
    classes = [c for _, c in inspect.getmembers(errors, inspect.isclass)
               if issubclass(c, Exception) and c.__module__ == errors.__name__]
    assert len(classes) >= 10
    for cls in classes:
        assert issubclass(cls, errors.GatewayError), cls
        assert cls.__name__ in doc, cls
    for name in PRIVATE_SIGNALS - {"DirectiveInFieldSet"}:
        assert name in doc, name
