"""How a search's cost grows: seconds per episode against volume size and against reward cases, memory against patch size.

Three sweeps, each fitted with a straight line in log-log coordinates, whose slope is the exponent
of the growth (1: linear):

1. volume size: one episode of a real search (`run_search`, demo preset, the maximal child first)
   on synthetic tasks whose every case has the same shape, at `--shapes` sizes. The episode's
   `parts` (06_search) split the seconds into the child's training and the rewards.
2. reward cases: one episode on one task with `reward_cases` = N for each of `--reward-cases`; the
   rewards' seconds against N.
3. patch size: the maximal child's training-step memory, measured (CPU: profiler; CUDA:
   `max_memory_allocated`) and predicted by `estimate_training_memory`, at `--patches`.

    python benchmarks/bench_cost_growth.py --out benchmarks/results/cost_growth_cpu.json --plot benchmarks/results/cost_growth_cpu.png
"""
import argparse, json, os, platform, sys
from math import prod
from pathlib import Path
import numpy as np
import torch
sys.path.append(str(Path(__file__).resolve().parents[1]))   # ronas_nb from this checkout when it is not installed
from ronas_nb.synthetic import make_synthetic_task
from ronas_nb.memory import estimate_training_memory, measure_training_memory
from ronas_nb.search import preset
from ronas_nb.running import run_search
from ronas_nb.space import SearchSpace
from ronas_nb.supernet import ChildNet, NetConfig

def parse(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--shapes', nargs='+', default=['16x32x32', '24x48x48', '32x64x64', '40x80x80'], help='case shapes D x H x W')
    p.add_argument('--reward-cases', type=int, nargs='+', default=[1, 2, 4, 8])
    p.add_argument('--patches', nargs='+', default=['16x32x32', '24x48x48', '32x64x64', '40x80x80', '48x96x96'])
    p.add_argument('--cases', type=int, default=20, help='cases per task of the volume sweep; the reward-case sweep uses 5 x its largest N')
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--device', default='cpu')
    p.add_argument('--work', default='runs/bench_cost_growth')
    p.add_argument('--out', help='write the figures as JSON to this file')
    p.add_argument('--plot', help='draw the three log-log plots to this PNG')
    return p.parse_args(argv)

def shape(s): return tuple(int(v) for v in s.split('x'))

def exponent(x, y)->float:
    "Slope of log y against log x: y grows as x to this power"
    return float(np.polyfit(np.log(x), np.log(y), 1)[0])

def one_episode(task, run, **over)->dict:
    "The parts of the first episode of a demo search (resumed or read when already run)"
    cfg = preset('demo', episodes=1, **over)
    if not (Path(run)/'history.jsonl').is_file() or not (Path(run)/'history.jsonl').read_text().strip():
        run_search(task, run, cfg, resume=(Path(run)/'config.json').is_file(), progress=False, log=lambda m: None)
    rec = json.loads((Path(run)/'history.jsonl').read_text().splitlines()[0])
    return dict(seconds=rec['seconds'], **rec['parts'], children=len(rec['children']))

def main(argv=None):
    a = parse(argv)
    torch.set_num_threads(a.threads)
    work, out = Path(a.work), dict(machine=f'{os.cpu_count()}-CPU {platform.machine()}, {a.threads} threads', device=a.device)
    print(f"machine: {out['machine']}, device {a.device}")

    print('\n1) seconds per episode against volume size (demo preset, 8 children, 1 episode)')
    rows = []
    for s in map(shape, a.shapes):
        tag = 'x'.join(map(str, s))
        task = work/f'heart_{tag}'
        if not (task/'dataset.json').is_file(): make_synthetic_task('heart', task, cases=a.cases, seed=0, shape=s)
        r = one_episode(task, work/f'run_{tag}', device=a.device)
        rows.append(dict(shape=s, voxels=prod(s), **r))
        print(f"   {tag:>10}: episode {r['seconds']:7.1f} s  train {r['train']:7.1f} s  rewards {r['rewards']:7.1f} s")
    v = [r['voxels'] for r in rows]
    out['volume'] = dict(rows=rows, exponent_episode=exponent(v, [r['seconds'] for r in rows]),
                         exponent_train=exponent(v, [r['train'] for r in rows]), exponent_rewards=exponent(v, [r['rewards'] for r in rows]))
    print(f"   exponents against voxels: episode {out['volume']['exponent_episode']:.2f}, training {out['volume']['exponent_train']:.2f}, "
          f"rewards {out['volume']['exponent_rewards']:.2f}")

    print('\n2) seconds of the rewards against the number of reward cases (reward_cases = N)')
    n_cases, s = 5 * max(a.reward_cases), shape(a.shapes[1])
    task = work/f'heart_{n_cases}cases'
    if not (task/'dataset.json').is_file(): make_synthetic_task('heart', task, cases=n_cases, seed=0, shape=s)
    rows = []
    for n in a.reward_cases:
        r = one_episode(task, work/f'run_{n_cases}cases_n{n}', device=a.device, reward_cases=n, test_fraction=0.0)
        rows.append(dict(reward_cases=n, **r))
        print(f"   N = {n:3d}: rewards {r['rewards']:7.2f} s, episode {r['seconds']:7.1f} s")
    out['reward_cases'] = dict(shape=s, rows=rows, exponent_rewards=exponent([r['reward_cases'] for r in rows], [r['rewards'] for r in rows]))
    print(f"   exponent against N: rewards {out['reward_cases']['exponent_rewards']:.2f}")

    print("\n3) the maximal child's training-step memory against patch size (width 8, cap 64, batch 2, as the demo)")
    rows = []
    for p in map(shape, a.patches):
        net_cfg = NetConfig(1, 2, 8, 64)
        space = SearchSpace.from_fingerprint(_fingerprint(p), n_patch=1)
        child = ChildNet(space.max_arch(), net_cfg)
        est = estimate_training_memory(child, (1, *p), 2)
        meas = measure_training_memory(child, (1, *p), 2, device=a.device, repeat=1)
        rows.append(dict(patch=p, voxels=prod(p), measured=meas['peak_bytes'], predicted=est.total))
        print(f"   {'x'.join(map(str, p)):>10}: measured {meas['peak_bytes'] / 2**20:8.1f} MB, predicted {est.total / 2**20:8.1f} MB")
    v = [r['voxels'] for r in rows]
    out['memory'] = dict(rows=rows, exponent_measured=exponent(v, [r['measured'] for r in rows]),
                         exponent_predicted=exponent(v, [r['predicted'] for r in rows]))
    print(f"   exponents against voxels: measured {out['memory']['exponent_measured']:.2f}, predicted {out['memory']['exponent_predicted']:.2f}")
    if a.out: Path(a.out).write_text(json.dumps(out, indent=1))
    if a.plot: plot(out, a.plot)

def _fingerprint(p):
    "A fingerprint whose median case is `p` at 1 mm: the maximal child's patch is then `p` itself"
    from ronas_nb.preprocess import fingerprint_of
    return fingerprint_of([p], [(1., 1., 1.)], np.array([9., 1.]), 1, {0: 'background', 1: 'fg'})

def plot(out, path):
    import matplotlib; matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(1, 3, figsize=(13, 3.6))
    v = out['volume']
    for k in ('seconds', 'train', 'rewards'):
        ax[0].loglog([r['voxels'] for r in v['rows']], [r[k] for r in v['rows']], 'o-', label=f"{'episode' if k == 'seconds' else k} "
                     f"(slope {v['exponent_episode' if k == 'seconds' else f'exponent_{k}']:.2f})")
    ax[0].set(xlabel='voxels per case', ylabel='seconds', title='one episode against volume size')
    r = out['reward_cases']
    ax[1].loglog([x['reward_cases'] for x in r['rows']], [x['rewards'] for x in r['rows']], 'o-', label=f"rewards (slope {r['exponent_rewards']:.2f})")
    ax[1].set(xlabel='reward cases N', ylabel='seconds', title='rewards against reward cases')
    m = out['memory']
    for k in ('measured', 'predicted'):
        ax[2].loglog([x['voxels'] for x in m['rows']], [x[k] / 2**20 for x in m['rows']], 'o-', label=f"{k} (slope {m[f'exponent_{k}']:.2f})")
    ax[2].set(xlabel='patch voxels', ylabel='MB', title="maximal child's training step")
    for x in ax: x.legend(fontsize=8)
    fig.suptitle(out['machine'], fontsize=8); fig.tight_layout(); fig.savefig(path, dpi=90)

if __name__ == '__main__': main()
