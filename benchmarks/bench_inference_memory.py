"""Inference-memory benchmark: the peak of one no-grad forward pass (the search's one-shot reward) measured beside
`estimate_inference_memory`; and, at MSD heart's full size, the estimated reward pass beside the estimated training step.

    python benchmarks/bench_inference_memory.py                  # CPU sweep, then the heart estimates (~10 min on 2 cores)
    python benchmarks/bench_inference_memory.py --quick          # the notebook's small sweep
    python benchmarks/bench_inference_memory.py --device cuda    # measure on CUDA (max_memory_allocated); estimates use the CUDA model
    python benchmarks/bench_inference_memory.py --only heart     # only the full-size estimates (seconds, nothing is run)

1) Sweep: measured (CPU: profiler replay; CUDA: max_memory_allocated) vs estimated peak of a no-grad pass in eval mode:
   the training study's blocks and small U-Nets, and children of MSD heart's search space (base width 16) as paths through
   the `SuperNet`, as `reward` runs them, with the reward's stages (softmax, label map, dice), on the heart's whole volume
   shrunk per axis (`--scales`, padded to each child's strides).
2) Heart at full size, estimates only (CUDA model: no cuDNN workspace, fp32, no autocast), for the maximal and random
   children: `train` = what `MemoryBudget` charges (supernet weights and Adam's moments, the child's batch-1 training step at
   its patch); `reward` = supernet weights, Adam's moments and the child's gradients (left from its last step), the 4
   validation volumes (float32 image + uint8 labels), and the one-shot pass on 110x320x320 padded to the strides.
"""
import argparse, json, math, platform, sys, time
from pathlib import Path
from types import SimpleNamespace
import numpy as np
import torch
sys.path.append(str(Path(__file__).resolve().parents[1]))   # ronas_nb from this checkout when it is not installed
from ronas_nb.memory import KINDS, memory_cases, estimate_inference_memory, measure_inference_memory, estimate_training_memory
from ronas_nb.infer import reward_stages
from ronas_nb.patch import PAPER_SHAPES
from ronas_nb.space import SearchSpace
from ronas_nb.supernet import SuperNet, ChildNet, total_strides

HEART = SimpleNamespace(median_shape=PAPER_SHAPES['heart'][0], min_shape=PAPER_SHAPES['heart'][1])
HEART_VOLUME, VAL_CASES, GiB, MiB = (110, 320, 320), 4, 2**30, 2**20

def row(name, model, shape, device, forward=None, post_for=None):
    "Measured and estimated inference peak of one case; `post_for(device)` builds the reward's stages on a device"
    kw = dict(forward=forward) if forward else {}
    t0 = time.perf_counter()
    est = estimate_inference_memory(model, shape, post=post_for('meta') if post_for else None, device=device, **kw)
    est_ms = 1000 * (time.perf_counter() - t0)
    meas = measure_inference_memory(model, shape, post=post_for(device) if post_for else None, device=device, repeat=1, **kw)
    return dict(case=name, shape=list(shape) if not isinstance(shape[0], (tuple, list)) else [list(s) for s in shape],
                measured=meas['peak_bytes'], estimated=est.total, error=est.total / meas['peak_bytes'] - 1,
                pass_measured=meas['pass_bytes'], pass_estimated=est.pass_bytes, pass_error=est.pass_bytes / meas['pass_bytes'] - 1,
                workspace=est.workspace, seconds=meas['seconds'], estimate_ms=est_ms)

def fmt(r):
    return (f"{r['case']:46s} {r['measured']/MiB:10.1f}M {r['estimated']/MiB:10.1f}M {r['error']:+8.2%} {r['pass_error']:+8.2%} "
            f"{r['workspace']/MiB:9.1f}M {r['seconds']:7.2f}s")

def sweep(device, quick, scales, n_random, seed=0):
    "The cases of part 1, as (name, model, shape, forward, post_for)"
    if quick: blocks = memory_cases(KINDS, (8,), [(16, 32, 32)], (1, 2))
    else: blocks = (memory_cases(KINDS[:4], (16, 32, 64), [(32, 32, 32), (16, 64, 64)], (1, 2))
                    + memory_cases(KINDS[4:], (8, 16), [(32, 64, 64)], (1, 2)))
    for case in blocks:
        torch.manual_seed(seed); model, shape, _ = case.build()
        yield case.name, model, shape, None, None
    space = SearchSpace.from_fingerprint(HEART)
    torch.manual_seed(seed); net, rng = SuperNet(space, 1, 2, width=16), np.random.default_rng(seed)
    archs = {'max': space.max_arch(), **{f'random{i}': space.random_arch(rng) for i in range(n_random)}}
    for f in scales:
        vol = tuple(max(1, round(s * f)) for s in HEART_VOLUME)
        for name, arch in archs.items():
            st = total_strides(arch)
            shape, _ = reward_stages(vol, st, 2)
            yield (f"heart {name} s{st[0]}x{st[1]} {'x'.join(map(str, vol))}+reward", net, shape,
                   lambda m, x, a=arch: m(x, a), lambda dev, v=vol, st=st: reward_stages(v, st, 2, device=dev)[1])

def heart_estimates(n_random, seed=0):
    "Part 2: full-size estimates of the training step and of the reward, CUDA model"
    space = SearchSpace.from_fingerprint(HEART)
    with torch.device('meta'): net = SuperNet(space, 1, 2, width=16)
    weights = sum(p.numel() * p.element_size() for p in net.parameters())
    resident = 3 * weights + sum(b.numel() * b.element_size() for b in net.buffers())   # weights + Adam's 2 moments
    volumes = VAL_CASES * math.prod(HEART_VOLUME) * (4 + 1)
    rng = np.random.default_rng(seed)
    archs = {'max': space.max_arch(), **{f'random{i}': space.random_arch(rng) for i in range(n_random)}}
    rows = []
    print(f"\n2) heart, full size, estimates (CUDA model, fp32): supernet weights + Adam {resident/GiB:.3f} GiB, "
          f"{VAL_CASES} validation volumes {volumes/GiB:.3f} GiB")
    print(f"   {'child':9s} {'strides':>7s} {'patch':>12s} {'train':>9s} {'reward':>9s} {'pass':>9s} {'larger':>7s}")
    for name, arch in archs.items():
        with torch.device('meta'): child = ChildNet(arch, net.cfg)
        t = estimate_training_memory(child, (1, *arch.patch), 1, device='cuda')
        train = resident + t.inputs + t.step_bytes                               # what MemoryBudget charges
        shape, stages = reward_stages(HEART_VOLUME, total_strides(arch), 2)
        e = estimate_inference_memory(net, shape, forward=lambda m, x: m(x, arch), post=stages, device='cuda')
        grads = sum(p.numel() * p.element_size() for p in child.parameters())   # the child's last step leaves them
        reward = resident + grads + volumes + e.inputs + e.pass_bytes
        st = total_strides(arch)
        rows.append(dict(child=name, code=arch.code, strides=list(st), patch=list(arch.patch), train_bytes=train, reward_bytes=reward,
                         reward_pass_bytes=e.inputs + e.pass_bytes, padded=list(shape[2:])))
        print(f"   {name:9s} {st[0]:>3d}x{st[1]:<3d} {'x'.join(map(str, arch.patch)):>12s} {train/GiB:8.2f}G {reward/GiB:8.2f}G "
              f"{(e.inputs + e.pass_bytes)/GiB:8.2f}G {'reward' if reward > train else 'train':>7s}")
    return rows

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--device', choices=['cpu', 'cuda'], default='cpu')
    ap.add_argument('--quick', action='store_true', help="the notebook's small sweep, heart at 1/8 per axis")
    ap.add_argument('--scales', type=float, nargs='+', default=None, help='heart volume scale per axis (default 0.25 0.5)')
    ap.add_argument('--children', type=int, default=3, help='random children besides the maximal one')
    ap.add_argument('--heart-children', type=int, default=10, help='random children in the full-size estimates')
    ap.add_argument('--only', choices=['sweep', 'heart'], default=None)
    ap.add_argument('--threads', type=int, default=1, help='CPU threads (the CPU model is for one)')
    ap.add_argument('--json', help='also write the rows to this JSON file')
    a = ap.parse_args()
    if a.device == 'cuda' and not torch.cuda.is_available(): raise SystemExit('bench_inference_memory: error: no CUDA device')
    torch.set_num_threads(a.threads)
    scales = a.scales or ([0.125] if a.quick else [0.25, 0.5])
    out = dict(benchmark='bench_inference_memory', torch=torch.__version__, python=platform.python_version(), device=a.device,
               device_name=torch.cuda.get_device_name() if a.device == 'cuda' else f'{platform.processor() or "cpu"}, {a.threads} thread(s)')
    if a.only != 'heart':
        print(f"1) measured vs estimated inference peak ({out['device_name']}, torch {torch.__version__})")
        print(f"   {'case':46s} {'measured':>11s} {'estimated':>11s} {'error':>8s} {'pass err':>8s} {'workspace':>10s} {'s/pass':>8s}")
        t0, rows = time.perf_counter(), []
        for name, model, shape, forward, post_for in sweep(a.device, a.quick, scales, a.children):
            rows.append(row(name, model, shape, a.device, forward, post_for)); print('  ', fmt(rows[-1]), flush=True)
        worst = max(rows, key=lambda r: abs(r['error']))
        print(f"-- {len(rows)} cases in {time.perf_counter() - t0:.0f} s; largest error of the total {worst['error']:+.2%} ({worst['case']}), "
              f"of the pass {max(abs(r['pass_error']) for r in rows):.2%}")
        out['sweep'] = rows
    if a.only != 'sweep': out['heart'] = heart_estimates(a.heart_children)
    if a.json: Path(a.json).write_text(json.dumps(out, indent=1))

if __name__ == '__main__': main()
