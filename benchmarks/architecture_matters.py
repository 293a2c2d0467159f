"""Does the architecture matter on a synthetic task, and does the supernet rank architectures as training them alone does?

For each synthetic kind: the maximal architecture, five one-factor variants of it (dilated nodes,
average pooling, no searched skips, one convolution per node, no depth pooling) and `--random`
uniformly random architectures of the task's search space are each trained alone from scratch
(`ronas train --arch CODE`: the search loop with one fixed child, the preset's number of training
steps) and scored on the fold's held-out test cases and on `--fresh` cases of a second task of
the same kind (another seed), which rank architectures far more surely than three test cases. Beside them, one random search with weight sharing (`--controller random`,
same preset) gives each of those architectures its one-shot score with the supernet's final weights.
The script prints the spread of stand-alone test dice, where the maximal architecture ranks, and the
Kendall tau between one-shot and stand-alone dice; it writes every figure to a JSON file that
notebook 12 reads (`ronas_nb.compare.arch_study_table`).

    python benchmarks/architecture_matters.py --kinds heart prostate --out benchmarks/results/architecture_matters_cpu.json
    python benchmarks/architecture_matters.py --kinds heart prostate --only max lean --seed 1 --out benchmarks/results/architecture_matters_cpu.json
"""
import argparse, json, os, platform, sys, time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
sys.path.append(str(Path(__file__).resolve().parents[1]))   # ronas_nb from this checkout when it is not installed
from ronas_nb.compare import study_architectures, compare_run, oneshot_scores, fresh_dice, arch_study_summary, arch_study_table

def parse(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--kinds', nargs='+', default=['heart'], choices=('heart', 'prostate', 'brain'))
    p.add_argument('--random', type=int, default=12, help='uniformly random architectures per kind (default 12)')
    p.add_argument('--seed', type=int, default=0, help='training seed of every run, and the draw of the random architectures')
    p.add_argument('--only', nargs='+', metavar='NAME', help="train only these named architectures (e.g. max lean) at --seed, without the one-shot "
                   "scores; their rows join the file's rows of the same kinds, and the summary averages each architecture over its seeds")
    p.add_argument('--preset', default='demo', help='the preset every run uses (default demo)')
    p.add_argument('--cases', type=int, default=20, help='cases per synthetic task (default 20)')
    p.add_argument('--fresh', type=int, default=24, help='cases of the second task (seed 1) every architecture is also scored on (default 24; 0: none)')
    p.add_argument('--work', default='runs/does_search_help', help='where the tasks and run directories go (shared with does_search_help.py)')
    p.add_argument('--jobs', type=int, default=2, help='runs at once, one thread each (default 2)')
    p.add_argument('--out', help="write every figure as JSON to this file (merged with the kinds it already holds)")
    return p.parse_args(argv)

def alone(kind, name, code, a):
    import torch
    torch.set_num_threads(1)
    run = Path(a.work)/kind/'alone'/f'{name}_seed{a.seed}'
    r = compare_run(Path(a.work)/'tasks'/kind, run, 'max', a.seed, a.preset, arch=code)
    fresh = dict(fresh_dice=fresh_dice(run, Path(a.work)/'tasks'/f'{kind}_fresh')) if a.fresh else {}
    return dict(kind=kind, name=name, code=r['code'], alone_val_dice=r['val_dice'], alone_test_dice=r['test_dice'], seconds=r['seconds'], **fresh)

def shared(kind, codes, a):
    import torch
    torch.set_num_threads(1)
    run = Path(a.work)/kind/f'random_seed{a.seed}'
    return kind, oneshot_scores(Path(a.work)/'tasks'/kind, run, codes, a.seed, a.preset)

def main(argv=None):
    a = parse(argv)
    from ronas_nb.synthetic import make_synthetic_task
    from ronas_nb.preprocess import preprocess_task
    from ronas_nb.search import preset
    archs = {}
    for kind in a.kinds:
        task, fresh = Path(a.work)/'tasks'/kind, Path(a.work)/'tasks'/f'{kind}_fresh'
        if not (task/'dataset.json').is_file(): make_synthetic_task(kind, task, cases=a.cases, seed=0)
        if a.fresh and not (fresh/'dataset.json').is_file():
            make_synthetic_task(kind, fresh, cases=a.fresh, seed=1)
            preprocess_task(fresh, crop_nonzero=preset(a.preset).crop_nonzero)   # cached once here, not by two workers at once
        archs[kind] = study_architectures(task, a.random, a.seed, a.preset)
        if a.only: archs[kind] = {n: c for n, c in archs[kind].items() if n in a.only}
    t0 = time.time()
    with ProcessPoolExecutor(a.jobs) as ex:
        shares = [] if a.only else [ex.submit(shared, k, list(archs[k].values()), a) for k in a.kinds]
        jobs = sorted(((k, n, c) for k in a.kinds for n, c in archs[k].items()), key=lambda j: j[1].startswith('random'))   # named ones first
        rows = list(ex.map(alone, *zip(*jobs), [a] * len(jobs)))
        oneshot = dict(f.result() for f in shares)
    for r in rows: r.update(oneshot.get(r['kind'], {}).get(r['code'], {}), seed=a.seed)
    kept = []
    if a.out and Path(a.out).is_file():   # keep the other kinds already in the file, and with --only the other seeds and names too
        mine = lambda r: r['kind'] in a.kinds and (not a.only or (r['name'] in a.only and r.get('seed', 0) == a.seed))
        kept = [r for r in json.loads(Path(a.out).read_text())['archs'] if not mine(r)]
    rows = kept + rows
    print(arch_study_table(arch_study_summary(rows)))
    machine = f'{os.cpu_count()}-CPU {platform.machine()}, {a.jobs} runs at once, 1 thread each'
    print(f"{sum(map(len, archs.values())) + len(shares)} runs in {time.time() - t0:.0f} s on a {machine}")
    if a.out: Path(a.out).write_text(json.dumps(dict(preset=a.preset, cases=a.cases, fresh=a.fresh, machine=machine, archs=rows), indent=1))

if __name__ == '__main__': main()
