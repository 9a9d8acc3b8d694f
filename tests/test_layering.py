"""Dependencies run one way: portal <- devices <- accesscodes. A lower layer never imports a higher one,
not even inside a function, and never names one of its modules in a dotted string (a task name such as
"accesscodes.tasks.reconcile_workspace" is a dependency too). It offers a signal instead.

Allowed: the app labels in portal/settings.py's INSTALLED_APPS and the "app.urls" strings that portal's
URLconf passes to include(); both are how Django itself wires the apps together."""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HIGHER_LAYERS = {
    "portal": {"devices", "accesscodes"},
    "devices": {"accesscodes"},
    "accesscodes": {"accesscodes.bookings"},
}
# A layer's folder without the layers nested in it (bookings lives inside accesscodes).
NESTED_LAYERS = {"accesscodes": ("bookings",)}
# What Django's own wiring may name from the portal (files relative to ROOT).
WIRING_FILES = {"portal/settings.py"}
IMPORT_FUNCTIONS = {"import_module", "__import__"}


def layer_files(layer: str) -> list[Path]:
    nested = {ROOT / layer / folder for folder in NESTED_LAYERS.get(layer, ())}
    return sorted(
        path
        for path in (ROOT / layer).rglob("*.py")
        if "migrations" not in path.parts and not any(folder in path.parents for folder in nested)
    )


def imported_modules(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, module) of every import statement anywhere in the file, and of import_module("...") calls."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.Call) and called_name(node) in IMPORT_FUNCTIONS and node.args:
            argument = node.args[0]
            if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                found.append((node.lineno, argument.value))
    return found


def dotted_strings(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, text) of every string constant that reads as a dotted module path ("app.module[.name]"),
    except the argument of include(), which is how a URLconf names an app's URLs."""
    include_arguments = {
        id(argument)
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and called_name(node) == "include"
        for argument in node.args
    }
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and re.fullmatch(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)+", node.value)
        and id(node) not in include_arguments
    ]


def called_name(call: ast.Call) -> str:
    function = call.func
    if isinstance(function, ast.Attribute):
        return function.attr
    return function.id if isinstance(function, ast.Name) else ""


def is_within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


# Parsed while pytest collects, before any test starts a server thread: on Python 3.11 a traceback printed
# by another thread also builds ASTs, and the two parses corrupt each other's recursion counter.
PARSED = {
    path: ast.parse(path.read_text(), filename=str(path))
    for layer in HIGHER_LAYERS
    for path in layer_files(layer)
}


def violations(layer: str, find) -> list[str]:
    forbidden = HIGHER_LAYERS[layer]
    found = []
    for path in layer_files(layer):
        relative = path.relative_to(ROOT).as_posix()
        if relative in WIRING_FILES:
            continue
        tree = PARSED[path]
        found += [
            f"{relative}:{line}: {name}"
            for line, name in find(tree)
            if any(is_within(name, package) for package in forbidden)
        ]
    return found


@pytest.mark.parametrize("layer", sorted(HIGHER_LAYERS))
def test_no_import_of_a_higher_layer(layer):
    assert violations(layer, imported_modules) == []


@pytest.mark.parametrize("layer", sorted(HIGHER_LAYERS))
def test_no_dotted_name_of_a_higher_layer(layer):
    assert violations(layer, dotted_strings) == []


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("import accesscodes.tasks", ["accesscodes.tasks"]),
        ("def f():\n    from accesscodes.schedules import x", ["accesscodes.schedules"]),
        ("from devices import services", ["devices"]),
        (
            "import importlib\nimportlib.import_module('accesscodes.views')",
            ["importlib", "accesscodes.views"],
        ),
        ("from portal.seam.sandbox.routes import devices", ["portal.seam.sandbox.routes"]),
        ("from . import devices", []),
    ],
)
def test_every_kind_of_import_is_seen(source, expected):
    assert [module for _, module in imported_modules(ast.parse(source))] == expected


def test_task_names_are_seen_and_include_arguments_are_not():
    source = 'async_task("accesscodes.tasks.reconcile_workspace", 1)\npath("c/", include("accesscodes.urls"))'
    assert [text for _, text in dotted_strings(ast.parse(source))] == [
        "accesscodes.tasks.reconcile_workspace"
    ]
