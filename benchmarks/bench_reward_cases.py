"""How well does a reward on N of the reward cases rank one episode's children, and what does it save?

A synthetic task with many cases (default 60, so a fold rewards on 12) gets a short random search
with weight sharing (`--episodes`, demo preset) so that the shared weights tell children apart.
Then `--children` uniformly random children are scored on every reward case, one case at a time
(timed). For each N, `--draws` random N-case subsets give each child the mean of its dice over
those cases, as `SearchConfig.reward_cases = N` does within one episode; the script prints the
Kendall tau between that ranking and the full reward's (mean and 10th percentile over draws), the
seconds a reward of all children takes, and writes the figures to a JSON file.

    python benchmarks/bench_reward_cases.py --out benchmarks/results/reward_cases_cpu.json
"""
import argparse, json, os, platform, sys, time
from pathlib import Path
import numpy as np
import torch
sys.path.append(str(Path(__file__).resolve().parents[1]))   # ronas_nb from this checkout when it is not installed
from ronas_nb.compare import kendall_tau
from ronas_nb.controller import sample_uniform
from ronas_nb.synthetic import make_synthetic_task
from ronas_nb.search import preset, reward
from ronas_nb.running import run_search

def parse(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--kind', default='heart', choices=('heart', 'prostate', 'brain'))
    p.add_argument('--cases', type=int, default=60, help='cases of the synthetic task (default 60: 12 reward cases per fold)')
    p.add_argument('--episodes', type=int, default=8, help='episodes of the random search that trains the shared weights')
    p.add_argument('--children', type=int, default=20, help="children of one episode to rank (the paper's 20)")
    p.add_argument('--subsets', type=int, nargs='+', default=[1, 2, 3, 4, 6, 8])
    p.add_argument('--draws', type=int, default=500, help='random subsets per N')
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--work', default='runs/bench_reward_cases')
    p.add_argument('--out', help='write the figures as JSON to this file')
    return p.parse_args(argv)

def main(argv=None):
    a = parse(argv)
    torch.set_num_threads(a.threads)
    work = Path(a.work)
    task = work/f'{a.kind}{a.cases}'
    if not (task/'dataset.json').is_file(): make_synthetic_task(a.kind, task, cases=a.cases, seed=0)
    cfg = preset('demo', controller='random', episodes=a.episodes, test_fraction=0.0)
    run = work/f'random_{a.kind}{a.cases}_e{a.episodes}'
    search = run_search(task, run, cfg, resume=(run/'config.json').is_file(), progress=False, log=lambda m: None)
    cases = search.data.reward
    images, labels = [torch.from_numpy(np.array(c.image)) for c in cases], [torch.from_numpy(np.array(c.label)) for c in cases]
    n = search.data.fingerprint.n_classes
    archs = sample_uniform(search.space, a.children, torch.Generator().manual_seed(1))
    dice, t0 = np.zeros((a.children, len(cases))), time.perf_counter()
    for i, arch in enumerate(archs):
        for j, (x, y) in enumerate(zip(images, labels)): dice[i, j] = reward(search.net, arch, [x], [y], n)
    per_pass = (time.perf_counter() - t0) / dice.size
    full = dice.mean(1)
    rng, rows = np.random.default_rng(0), []
    print(f"{a.kind}, {len(cases)} reward cases, {a.children} children after {a.episodes} episodes of random search; "
          f"full reward: mean {full.mean():.3f}, spread (sd over children) {full.std():.3f}; {per_pass:.3f} s per one-shot pass")
    print('| reward cases N | Kendall tau with the full reward, mean (sd) | 10th percentile | seconds to reward the children |')
    print('|---|---|---|---|')
    for k in [s for s in a.subsets if s < len(cases)] + [len(cases)]:
        taus = [kendall_tau(dice[:, rng.choice(len(cases), k, replace=False)].mean(1), full) for _ in range(a.draws if k < len(cases) else 1)]
        rows.append(dict(n=k, tau=float(np.mean(taus)), tau_sd=float(np.std(taus)), tau_p10=float(np.percentile(taus, 10)),
                         seconds=per_pass * k * a.children))
        r = rows[-1]
        print(f"| {k} | {r['tau']:.3f} ({r['tau_sd']:.3f}) | {r['tau_p10']:.3f} | {r['seconds']:.1f} |")
    machine = f'{os.cpu_count()}-CPU {platform.machine()}, {a.threads} threads'
    print(f'machine: {machine}')
    if a.out: Path(a.out).write_text(json.dumps(dict(kind=a.kind, cases=a.cases, reward_cases=len(cases), episodes=a.episodes,
                                                    children=a.children, seconds_per_pass=per_pass, dice=dice.tolist(),
                                                    machine=machine, subsets=rows), indent=1))

if __name__ == '__main__': main()
