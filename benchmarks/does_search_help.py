"""Does the search beat chance? RL search, random search and one architecture alone, at equal training steps.

For each synthetic kind and seed, the methods of `nbs/12_does_search_help.ipynb`
(`ronas_nb.compare.ALL_METHODS`: rl, random, max, and the DynUNet peer, which needs MONAI) run
the same schedule on the same task, fold, test split and preset. Each run's final child is scored with its own shared weights on the fold's
held-out test cases and on the validation cases that rewarded it. The script prints the table
(mean and standard deviation over seeds, and RL minus each baseline per seed) and writes every
run's figures to a JSON file that notebook 12 reads. With `--fresh N` (default 24) each final child
is also scored on the N cases of a second task of the same kind (seed 1), which tells methods apart
case by case where three test cases cannot.

    python benchmarks/does_search_help.py --kinds heart --seeds 0 1 2 --jobs 2        # about 30 minutes on 2 CPU cores
    python benchmarks/does_search_help.py --kinds heart prostate brain --out benchmarks/results/does_search_help_cpu.json
    python benchmarks/does_search_help.py --kinds heart prostate brain --methods dynunet --out benchmarks/results/does_search_help_cpu.json
    python benchmarks/does_search_help.py --kinds prostate brain heart --methods rl rl_final random_final --out benchmarks/results/does_search_help_final_cpu.json
"""
import argparse, json, os, platform, sys, time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
sys.path.append(str(Path(__file__).resolve().parents[1]))   # ronas_nb from this checkout when it is not installed
from ronas_nb.compare import ALL_METHODS, METHODS, compare_dynunet, compare_run, fresh_dice, fresh_table, summarise, results_table

def parse(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--kinds', nargs='+', default=['heart'], choices=('heart', 'prostate', 'brain'))
    p.add_argument('--seeds', nargs='+', type=int, default=[0, 1, 2])
    p.add_argument('--methods', nargs='+', default=list(METHODS), choices=list(ALL_METHODS))
    p.add_argument('--preset', default='demo', help='the search preset every run uses (default demo)')
    p.add_argument('--episodes', type=int, help="override the preset's episodes")
    p.add_argument('--cases', type=int, default=20, help='cases per synthetic task (default 20)')
    p.add_argument('--work', default='runs/does_search_help', help='where the tasks and run directories go')
    p.add_argument('--fresh', type=int, default=24, help='cases of the second task (seed 1) every final child is also scored on (default 24; 0: none)')
    p.add_argument('--jobs', type=int, default=2, help='runs at once, one thread each (default 2)')
    p.add_argument('--out', help="write every run's figures as JSON to this file (merged with the runs it already holds)")
    return p.parse_args(argv)

def one(kind, seed, method, a):
    import torch
    torch.set_num_threads(1)
    over = {} if a.episodes is None else dict(episodes=a.episodes)
    task, run = Path(a.work)/'tasks'/kind, Path(a.work)/kind/f'{method}_seed{seed}'
    if method == 'dynunet': return dict(kind=kind, **compare_dynunet(task, run, seed, a.preset, **over))
    row = dict(kind=kind, **compare_run(task, run, method, seed, a.preset, **over))
    if a.fresh: row['fresh_dice'] = fresh_dice(run, Path(a.work)/'tasks'/f'{kind}_fresh')
    return row

def main(argv=None):
    a = parse(argv)
    from ronas_nb.synthetic import make_synthetic_task
    from ronas_nb.preprocess import preprocess_task
    from ronas_nb.search import preset
    for kind in a.kinds:
        task, fresh = Path(a.work)/'tasks'/kind, Path(a.work)/'tasks'/f'{kind}_fresh'
        if not (task/'dataset.json').is_file(): make_synthetic_task(kind, task, cases=a.cases, seed=0)
        if a.fresh and not (fresh/'dataset.json').is_file():
            make_synthetic_task(kind, fresh, cases=a.fresh, seed=1)
            preprocess_task(fresh, crop_nonzero=preset(a.preset).crop_nonzero)   # cached once here, not by two workers at once
    jobs = [(k, s, m) for k in a.kinds for s in a.seeds for m in a.methods]
    t0 = time.time()
    with ProcessPoolExecutor(a.jobs) as ex: rows = list(ex.map(one, *zip(*jobs), [a] * len(jobs)))
    if a.out and Path(a.out).is_file():   # keep the other kinds' runs already in the file
        mine = {(r['kind'], r['seed'], r['method']) for r in rows}
        rows = [r for r in json.loads(Path(a.out).read_text())['runs'] if (r['kind'], r['seed'], r['method']) not in mine] + rows
    print(results_table(summarise(rows)))
    if any('fresh_dice' in r for r in rows): print(fresh_table(rows))
    machine = f'{os.cpu_count()}-CPU {platform.machine()}, {a.jobs} runs at once, 1 thread each'
    print(f"{len(jobs)} runs in {time.time() - t0:.0f} s on a {machine}")
    if a.out: Path(a.out).write_text(json.dumps(dict(preset=a.preset, episodes=a.episodes, cases=a.cases, fresh=a.fresh, machine=machine, runs=rows), indent=1))

if __name__ == '__main__': main()
