"""The package reads in order: every module imports only modules whose notebooks come earlier in nbs/."""
import ast, re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def notebook_of() -> dict:
    "{module: notebook file name} from each notebook's `#| default_exp`."
    out = {}
    for nb in sorted((ROOT / "nbs").glob("[0-9]*.ipynb")):
        m = re.search(r'#\|\s*default_exp\s+(\w+)', nb.read_text())
        if m: out[m.group(1)] = nb.name
    return out


def imports_of(module:str) -> set:
    "The fden_nb modules `fden_nb/<module>.py` imports (relative or absolute), at any depth of the file."
    tree = ast.parse((ROOT / "fden_nb" / f"{module}.py").read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level == 1 and node.module: found.add(node.module.split(".")[0])
            elif node.module and node.module.startswith("fden_nb."): found.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            found |= {a.name.split(".")[1] for a in node.names if a.name.startswith("fden_nb.")}
    return found


def test_imports_follow_the_reading_order():
    nbs = notebook_of()
    late = [f"{m} ({nb}) imports {d} ({nbs[d]})" for m, nb in nbs.items() for d in imports_of(m)
            if d in nbs and d != m and nbs[d] >= nb]     # a module may name itself (spawned workers)
    assert late == []


def test_nothing_imports_the_cli():
    nbs = notebook_of()
    assert [m for m in nbs if m != "cli" and "cli" in imports_of(m)] == []
