"""The package's layering, read from its imports with `ast`: no module imports another's private (`_name`) name, and a
module imports only from layers below its own. Fast; no module is imported."""
import ast
from pathlib import Path

PACKAGE = 'ronas_nb'
SRC = Path(__file__).resolve().parents[1]/PACKAGE

# From the bottom. A module may import from the layers below its own, never from its own layer or above. A new module
# gets a place here before its first import. `__init__` is the package itself (`from ronas_nb import __version__`).
LAYERS = [
    ['__init__', 'files'],                              # the package; atomic writes, locks, digests, kill points
    ['msd', 'patch', 'memory'],                         # reading an MSD task; patch sizes; memory of convolutions
    ['synthetic', 'preprocess', 'download'],            # synthetic tasks; preprocessing and the cache; the MSD download
    ['folds'],                                          # cross-validation folds, training patches
    ['space'],                                          # the search space
    ['supernet', 'controller'],                         # the shared-weight network; the policy that samples it
    ['distributed', 'infer', 'rundir', 'export'],       # parallel reward; whole-volume prediction; run directory; export
    ['budget'],                                         # the memory budget: which children fit one GPU
    ['search', 'viz'],                                  # the method; its pictures and inspector
    ['running'],                                        # a search on disk: checkpoints, resume, the lock
    ['compare'],                                        # search against baselines
    ['cli'],                                            # the `ronas` command
    ['entry'],                                          # the console entry point (signals before the heavy imports)
]

# Private imports still waiting for their owner to make them public (none left); the test fails when one goes away as
# well, so the set only shrinks.
PENDING = set()


def package_imports(tree:ast.AST, package:str=PACKAGE, submodules=())->list:
    "(imported module, name or None, line) for each import of `package` in `tree`, relative ones resolved"
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(a.name.split('.')[1] if '.' in a.name else '__init__', None, node.lineno)
                    for a in node.names if a.name.split('.')[0] == package]
        elif isinstance(node, ast.ImportFrom):
            target = node.module or ''
            if node.level: target = f'{package}.{target}' if target else package   # modules sit at the package's top
            if target.split('.')[0] != package: continue
            for a in node.names:
                if target == package and a.name in submodules: out.append((a.name, None, node.lineno))
                else: out.append((target.split('.')[1] if '.' in target else '__init__', a.name, node.lineno))
    return out


def is_private(name:str|None)->bool: return bool(name) and name.startswith('_') and not name.endswith('__')


def layering_violations(sources:dict, layers:list, package:str=PACKAGE)->list:
    "What breaks the rules in `sources` (module name -> source text), one line each"
    layer = {m: i for i, group in enumerate(layers) for m in group}
    found = [f'{m} has no layer: add it to LAYERS' for m in sorted(set(sources) - set(layer))]
    for m, src in sorted(sources.items()):
        for target, name, line in package_imports(ast.parse(src), package, submodules=set(sources) - {'__init__'}):
            if target == m: continue   # a module's own names
            if is_private(name): found.append(f'{m} imports {target}.{name}')
            if m in layer and target in layer and layer[target] >= layer[m]:
                found.append(f'{m} (layer {layer[m]}) imports {target} (layer {layer[target]}) at line {line}')
    return found


def package_sources(src:Path=SRC)->dict:
    return {p.stem: p.read_text() for p in sorted(src.glob('*.py')) if p.stem != '_modidx'}


def test_package_layering():
    found = layering_violations(package_sources(), LAYERS)
    new = [v for v in found if v not in PENDING]
    assert not new, 'layering broken:\n' + '\n'.join(new)
    gone = PENDING - set(found)
    assert not gone, f'fixed, remove from PENDING: {sorted(gone)}'


def test_every_module_has_a_layer():
    assert set(package_sources()) == {m for group in LAYERS for m in group}, 'LAYERS and the package disagree'


def notebook_of(source:str)->str|None:
    "The notebook a generated module says it was exported from (its `File to edit:` line)"
    for line in source.splitlines()[:5]:
        if 'File to edit:' in line: return line.split('File to edit:')[1].strip().rstrip('.').split('/')[-1]


def notebook_order_violations(sources:dict, package:str=PACKAGE)->list:
    "Modules that import a module exported from a notebook later in the reading order (the notebooks' sorted names)"
    nb = {m: notebook_of(src) for m, src in sources.items()}
    found = []
    for m, src in sorted(sources.items()):
        for target, _, line in package_imports(ast.parse(src), package, submodules=set(sources) - {'__init__'}):
            if target != m and nb.get(m) and nb.get(target) and nb[target] > nb[m]:
                found.append(f'{m} ({nb[m]}) imports {target} ({nb[target]}) at line {line}')
    return list(dict.fromkeys(found))   # one line per import statement


def test_notebooks_in_dependency_order():
    found = notebook_order_violations(package_sources())
    assert not found, 'a module imports one from a later notebook:\n' + '\n'.join(found)

def test_notebook_order_checker():
    head = '# AUTOGENERATED! DO NOT EDIT! File to edit: ../nbs/{}.ipynb.\n'
    src = {'a': head.format('01_a') + 'from .b import f', 'b': head.format('02_b') + 'def f(): pass'}
    assert notebook_order_violations(src, 'fake') == ['a (01_a.ipynb) imports b (02_b.ipynb) at line 2']
    assert notebook_order_violations({**src, 'a': head.format('03_a') + 'from .b import f'}, 'fake') == []


# --- the checker itself, on a tiny fake package -------------------------------------------------------------------
FAKE_LAYERS = [['__init__', 'low'], ['mid'], ['top']]

def fake(**modules)->dict: return {'__init__': '__version__ = "0"', 'low': 'def f(): pass\ndef _g(): pass', **modules}

def test_clean_fake_package():
    assert layering_violations(fake(mid='from .low import f\nfrom . import __version__\nimport os',
                                    top='from fake.mid import *\nimport fake.low as low\nfrom . import low'),
                               FAKE_LAYERS, 'fake') == []

def test_private_import_found():
    assert layering_violations(fake(mid='from .low import f, _g', top=''), FAKE_LAYERS, 'fake') == ['mid imports low._g']
    assert layering_violations(fake(mid='def h():\n    from fake.low import _g', top=''), FAKE_LAYERS, 'fake') \
        == ['mid imports low._g']   # inside a function too

def test_upward_and_sideways_imports_found():
    assert layering_violations(fake(mid='from .top import x', top=''), FAKE_LAYERS, 'fake') \
        == ['mid (layer 1) imports top (layer 2) at line 1']
    assert layering_violations(fake(mid='', top='', low='import os\nfrom fake import mid'), FAKE_LAYERS, 'fake') \
        == ['low (layer 0) imports mid (layer 1) at line 2']
    layers = [['__init__', 'low', 'side'], ['mid'], ['top']]
    assert layering_violations({**fake(mid='', top=''), 'side': 'from .low import f'}, layers, 'fake') \
        == ['side (layer 0) imports low (layer 0) at line 1']

def test_module_without_layer_found():
    assert layering_violations(fake(mid='', top='', new='from .low import f'), FAKE_LAYERS, 'fake') \
        == ['new has no layer: add it to LAYERS']

def test_other_packages_ignored():
    assert layering_violations(fake(mid='from other.top import _x\nfrom fakes import _y', top=''), FAKE_LAYERS, 'fake') == []
