"""The fixed top-level layout and the tool configuration live where people look for them."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
import zipfile

import pytest

from sif_eval import paths
from tests.conftest import ROOT


def test_top_level_layout():
    for name in ("templates", "notebooks", "sif_eval", "inputs", "outputs", "tests"):
        assert (ROOT / name).is_dir(), name
    for name in ("_quarto.yml", "README.md", "pyproject.toml", "Makefile", "CHANGELOG.md", ".ci/run"):
        assert (ROOT / name).is_file(), name


def test_paths_module_points_at_the_layout():
    assert paths.ROOT == ROOT
    assert paths.EFFECT_NOTEBOOK.is_file()
    assert paths.REFERENCE_DOCX.is_file()
    assert paths.TYPST_TEMPLATE.is_file()


def test_one_place_for_tool_configuration():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "ruff" in config["tool"] and "pytest" in config["tool"]
    assert config["project"]["scripts"]["sif-eval"] == "sif_eval.cli:main"
    for stray in ("setup.cfg", "pytest.ini", "ruff.toml", ".ruff.toml", "tox.ini"):
        assert not (ROOT / stray).exists(), stray


def test_readme_shows_the_two_commands():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make demo" in text and "make test" in text
    assert "Kom igång" in text


def test_notebook_has_a_parameters_cell_with_defaults():
    import nbformat

    nb = nbformat.read(paths.EFFECT_NOTEBOOK, as_version=4)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    for name in ("projektmapp", "utdatamapp", "rapportdatum"):
        assert f"{name} =" in tagged[0].source


# ---------------------------------------------------------------- the package's rooms (issue 13)

PACKAGE = ROOT / "sif_eval"
CLI_MAY_IMPORT_LAZILY = {"sif_eval.cli"}  # the one exception: subcommands load what they need, to start fast
OLD_IMPORT_PATHS = {  # archived notebooks import these; each must keep its names
    "sif_eval.evaluation": ("analyse", "read_result"),
    "sif_eval.loading": ("load_project", "LoadedProject"),
    "sif_eval.texts": ("design_name", "effect_sentence", "target_sentence"),
    "sif_eval.economy_text": ("budget_context", "calculation_context"),
    "sif_eval.consolidated": ("load_material", "build", "write_result"),
}


def _module_name(path):
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules():
    return {_module_name(p): p for p in PACKAGE.rglob("*.py")}


def _imports(name, path, known):
    """(target module, line, inside a function) for every import of the package in one module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    is_pkg = path.name == "__init__.py"
    in_function = set()
    for fn in ast.walk(tree):
        if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
            in_function |= {id(n) for n in ast.walk(fn)}
    out = []
    for node in ast.walk(tree):
        targets = []
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".") if is_pkg else name.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            targets = [f"{module}.{a.name}" if f"{module}.{a.name}" in known else module for a in node.names]
        elif isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        for t in targets:
            if t.startswith("sif_eval"):
                out.append((t, node.lineno, id(node) in in_function))
    return out


def _graph():
    known = _modules()
    graph = {}
    for name, path in known.items():
        deps = set()
        for target, _line, _inner in _imports(name, path, known):
            parts = target.split(".")
            deps |= {".".join(parts[:i]) for i in range(1, len(parts) + 1)}  # a parent package runs first
        graph[name] = {d for d in deps if d in known and d != name}
    return graph


def test_no_package_module_is_imported_inside_a_function():
    known = _modules()
    found = [f"{name}:{line} importerar {target}" for name, path in known.items() if name not in CLI_MAY_IMPORT_LAZILY
             for target, line, inner in _imports(name, path, known) if inner]
    assert not found, found


def test_the_import_graph_has_no_cycle():
    graph = _graph()
    state, stack, cycles = {}, [], []

    def visit(u):
        state[u] = "open"
        stack.append(u)
        for v in sorted(graph[u]):
            if state.get(v) == "open":
                cycles.append(" -> ".join(stack[stack.index(v):] + [v]))
            elif v not in state:
                visit(v)
        stack.pop()
        state[u] = "done"

    for u in sorted(graph):
        if u not in state:
            visit(u)
    assert not cycles, cycles


def test_the_cycle_check_can_fail(tmp_path, monkeypatch):
    """The walk above sees a cycle through an in-function import (so a pass means something)."""
    pkg = tmp_path / "sif_eval"
    (pkg / "a").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "a" / "__init__.py").write_text('"""A."""\n')
    (pkg / "a" / "x.py").write_text("from . import y\n")
    (pkg / "a" / "y.py").write_text("def f():\n    from .x import g\n")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE", pkg)
    with pytest.raises(AssertionError, match="sif_eval.a.x -> sif_eval.a.y -> sif_eval.a.x"):
        test_the_import_graph_has_no_cycle()
    with pytest.raises(AssertionError, match="sif_eval.a.y:2"):
        test_no_package_module_is_imported_inside_a_function()


def test_data_flows_one_way_between_the_rooms():
    """inputs → analysis, economics → figures → documents → runs; a room never imports a later one."""
    order = ["inputs", "privacy", "analysis", "economics", "figures", "documents", "runs"]
    shared = {"sif_eval", "sif_eval.errors", "sif_eval.paths", "sif_eval.settings", "sif_eval.model",
              "sif_eval.swedish", "sif_eval.atomic", "sif_eval.economics.model", "sif_eval.economics"}
    allowed_back = {("inputs", "privacy")}  # reading a file scans it for personnummer first

    def room(module):
        parts = module.split(".")
        return parts[1] if len(parts) > 2 and parts[1] in order else None

    wrong = []
    for name, deps in _graph().items():
        here = room(name)
        for dep in deps - shared:
            there = room(dep)
            if here and there and order.index(there) > order.index(here) and (here, there) not in allowed_back:
                wrong.append(f"{name} -> {dep}")
    assert not wrong, wrong


def test_every_subpackage_says_what_it_owns_and_no_module_is_huge():
    for init in PACKAGE.glob("*/__init__.py"):
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
        assert doc and len(doc) > 80, init
    sizes = {p.name: len(p.read_text(encoding="utf-8").splitlines()) for p in PACKAGE.rglob("*.py")}
    assert max(sizes.values()) <= 600, sizes


def test_settings_are_read_from_the_environment_in_one_place():
    readers = [str(p.relative_to(ROOT)) for p in PACKAGE.rglob("*.py")
               if re.search(r"os\.environ(\.get|\[)|getenv", p.read_text(encoding="utf-8")) and p.name != "settings.py"]
    assert readers == [], readers


def test_input_file_names_are_defined_once():
    names = ("projekt.yaml", "kommun.yaml", "fond.yaml", "utfall.csv", "kalkyl.yaml", "insatser.yaml")
    for name in names:
        defining = [str(p.relative_to(ROOT)) for p in PACKAGE.rglob("*.py")
                    if re.search(rf'(=|:) *"{re.escape(name)}"', p.read_text(encoding="utf-8"))]
        assert defining == ["sif_eval/paths.py"], (name, defining)


def test_old_import_paths_of_archived_notebooks_still_work():
    import importlib

    for module, names in OLD_IMPORT_PATHS.items():
        loaded = importlib.import_module(module)
        for name in names:
            assert callable(getattr(loaded, name)), (module, name)


@pytest.mark.integration
def test_a_run_made_before_the_move_reproduces_identically(tmp_path):
    from sif_eval.runs.reproduce import reproduce

    run_dir = tmp_path / "outputs" / "uppsala-statsbidrag-2021" / "20261201T152726"
    run_dir.mkdir(parents=True)
    with zipfile.ZipFile(ROOT / "tests" / "data" / "korning-fore-omflytt-2026.zip") as zf:
        zf.extractall(run_dir.parent)
    notebook = (run_dir / "mallar" / "notebooks" / "effektutvardering.ipynb").read_text(encoding="utf-8")
    assert "from sif_eval import evaluation, loading, swedish, texts" in notebook  # really the old paths
    comparison = reproduce(run_dir)
    # The one intended change since the archived run (issue 15): the payment plan is in whole kronor, the
    # rounding remainder in the last payment, so 3 × 2 429 280,33 became 2 429 280 + 2 429 280 + 2 429 281.
    rounded = [d for d in comparison.result_differences if ".utbetalningsplan[" in d]
    assert [d.split(": ", 1)[1] for d in rounded] == ["2429280.33 → 2429280", "2429280.33 → 2429280",
                                                      "2429280.33 → 2429281"], comparison.verdict()
    assert not set(comparison.result_differences) - set(rounded) and not comparison.document_differences, \
        comparison.verdict()
    for rel in ("dokument/aterrapportering.docx", "dokument/aterrapportering.pdf"):
        assert (run_dir / rel).read_bytes() == (comparison.new_run / rel).read_bytes(), rel
