"""How big the exported cells are, and how many are tested before the next export: the figures issue 13 compares with fastcore.

    python tools/cell_sizes.py            # every notebook in nbs/, one line each, then the whole
    python tools/cell_sizes.py nbs/06_search.ipynb --cells   # and each exported cell's size and first line

An exported cell is a code cell with an `#| export` or `#| exports` directive; its size is its lines of code, directives and
blank lines left out. It counts as tested when a later code cell that is not exported, before the next exported one,
calls a fastcore test function (`test_eq`, `test_close`, `test_fail`, ...) or asserts.
"""
import argparse, json, re, statistics
WIDTH = 100   # issue 13's target: no exported line longer
from pathlib import Path

EXPORT = re.compile(r'^#\|\s*export[s]?\b', re.M)
TEST = re.compile(r'\b(test_\w+|assert)\b')

def cells(nb:Path)->list:
    "(exported, source) of each code cell"
    out = []
    for c in json.loads(nb.read_text())['cells']:
        if c['cell_type'] != 'code': continue
        s = ''.join(c['source'])
        out.append((bool(EXPORT.search(s)), s))
    return out

def code_lines(src:str)->list: return [l for l in src.splitlines() if l.strip() and not l.lstrip().startswith('#|')]

def notebook_figures(nb:Path)->dict:
    cs = cells(nb)
    exported = [i for i, (e, _) in enumerate(cs) if e]
    sizes, tested, long_lines, lines, firsts = [], 0, 0, 0, []
    for k, i in enumerate(exported):
        body = code_lines(cs[i][1])
        sizes.append(len(body)); lines += len(body); long_lines += sum(len(l) > WIDTH for l in body)
        firsts.append(body[0] if body else '')
        nxt = exported[k + 1] if k + 1 < len(exported) else len(cs)
        tested += any(TEST.search(s) for _, s in cs[i + 1:nxt])
    return dict(sizes=sizes, tested=tested, long_lines=long_lines, lines=lines, firsts=firsts)

def p90(xs): return sorted(xs)[max(0, round(0.9 * len(xs)) - 1)]

def line(name, f)->str:
    s = f['sizes']
    if not s: return f'{name:28s} no exported cells'
    return (f"{name:28s} {len(s):4d} cells  median {statistics.median(s):5.1f}  p90 {p90(s):4d}  largest {max(s):4d}  "
            f"tested {f['tested']:3d}/{len(s):<3d} ({f['tested'] / len(s):4.0%})  lines over {WIDTH}: {f['long_lines'] / max(1, f['lines']):.1%}")

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('notebooks', nargs='*', help='notebooks (default: every nbs/*.ipynb but index)')
    p.add_argument('--cells', action='store_true', help="also print each exported cell's size and first line")
    a = p.parse_args(argv)
    nbs = [Path(n) for n in a.notebooks] or sorted(n for n in (Path(__file__).resolve().parents[1]/'nbs').glob('*.ipynb') if n.stem != 'index')
    total = dict(sizes=[], tested=0, long_lines=0, lines=0, firsts=[])
    for nb in nbs:
        f = notebook_figures(nb)
        print(line(nb.stem, f))
        if a.cells:
            for n, first in zip(f['sizes'], f['firsts']): print(f'    {n:4d}  {first[:90]}')
        for k in total: total[k] += f[k]
    print(line('all', total))

if __name__ == '__main__': main()
