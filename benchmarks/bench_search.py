"""A real search at MSD heart's size: measured seconds per episode, projected to the paper's 500 episodes.

`bench_scale.py` projects a heart search from single training steps and one-shot passes. This
script runs the search itself (`run_search`, the heart preset: 3 child epochs on 16 training
cases, batch 1, 20 children rewarded one-shot on 4 validation cases) for a few episodes on a
synthetic task whose every case is 110 x 320 x 320 (MSD Task02_Heart's median), and reports the
measured episode times. The first episode carries the warm-up (cuDNN autotuning, allocator
growth) and is reported apart; days = 500 * median(later episodes) / 86400.

    python benchmarks/bench_search.py --device cuda --episodes 3                 # bf16 autocast (auto), cudnn.benchmark
    python benchmarks/bench_search.py --device cuda --episodes 3 --amp off       # the paper's fp32
    python benchmarks/bench_search.py --device cpu --shape 22 64 64 --episodes 2 # a smoke run of the script
"""
import argparse, json, os, statistics, sys, tempfile, time
from pathlib import Path
import torch
sys.path.append(str(Path(__file__).resolve().parents[1]))   # ronas_nb from this checkout when it is not installed (GPU machine)
from ronas_nb.msd import load_task
from ronas_nb.synthetic import make_synthetic_task
from ronas_nb.search import preset
from ronas_nb.running import run_search

PAPER_DAYS, EPISODES = 1.39, 500

def parse(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    p.add_argument('--shape', type=int, nargs=3, default=(110, 320, 320), help='every case\'s D H W (default MSD heart\'s median)')
    p.add_argument('--cases', type=int, default=20, help='cases (default 20: 16 train, 4 validation in fold 0 of 5, as the paper)')
    p.add_argument('--episodes', type=int, default=3)
    p.add_argument('--amp', default='auto', choices=('auto', 'off', 'bf16', 'fp16'))
    p.add_argument('--channels-last', action='store_true')
    p.add_argument('--cudnn-benchmark', choices=('on', 'off'), default='off', help='cuDNN autotuning (default off, as SearchConfig)')
    p.add_argument('--preset', default='heart', help='the search preset (default heart; demo: the small demo settings)')
    p.add_argument('--gpu-memory', type=float, default=None, help='the search\'s memory budget in GiB (default none)')
    p.add_argument('--data', help='the task folder (written if it holds no dataset.json; default: a temporary folder)')
    p.add_argument('--out', help='write the figures as JSON to this file')
    p.add_argument('--seed', type=int, default=0)
    return p.parse_args(argv)

def main(argv=None):
    a = parse(argv)
    dev = torch.device(a.device)
    tmp = Path(tempfile.mkdtemp(prefix='bench_search-'))
    data = Path(a.data) if a.data else tmp / 'heart'
    t0 = time.perf_counter()
    if not (data / 'dataset.json').is_file(): make_synthetic_task('heart', data, cases=a.cases, seed=a.seed, shape=tuple(a.shape))
    n_cases = len(load_task(data).cases)
    t_data = time.perf_counter() - t0
    cfg = preset(a.preset, episodes=a.episodes, device=a.device, amp=a.amp, channels_last=a.channels_last, gpu_memory=a.gpu_memory,
                 cudnn_benchmark=a.cudnn_benchmark == 'on', seed=a.seed)
    if dev.type == 'cuda': torch.cuda.reset_peak_memory_stats(dev)
    t0 = time.perf_counter()
    s = run_search(data, tmp / 'run', cfg, cache_dir=tmp / 'cache', progress=False, log=print)
    wall = time.perf_counter() - t0
    secs = [r['seconds'] for r in s.history]
    later = secs[1:] or secs
    per_ep = statistics.median(later)
    res = dict(benchmark='bench_search', device=torch.cuda.get_device_name(dev) if dev.type == 'cuda' else 'cpu', torch=torch.__version__,
               shape=list(a.shape), cases=n_cases, train_cases=len(s.data.train), reward_cases=len(s.data.reward),
               config=cfg.to_dict(), amp_dtype=str(s.amp), data_seconds=t_data, run_seconds=wall, episode_seconds=secs,
               trained=[r['arch'] for r in s.history], children=[r['children'] for r in s.history],
               failed=[r['failed'] for r in s.history], excluded=[r['excluded'] for r in s.history],
               median_later_episode_s=per_ep, projected_days=EPISODES * per_ep / 86400, paper_days=PAPER_DAYS,
               peak_allocated_bytes=torch.cuda.max_memory_allocated(dev) if dev.type == 'cuda' else None,
               peak_reserved_bytes=torch.cuda.max_memory_reserved(dev) if dev.type == 'cuda' else None)
    print(f"{res['device']}, torch {res['torch']}: {n_cases} cases of {'x'.join(map(str, a.shape))} ({len(s.data.train)} train, "
          f"{len(s.data.reward)} reward), amp {s.amp}, data written in {t_data:.0f} s")
    for r in s.history:
        print(f"  episode {r['episode']}: child {r['code']} patch ({r['arch'].get('patch_d')}, {r['arch'].get('patch_hw')}) "
              f"{r['seconds']:.1f} s, mean reward {r['mean_reward']:.3f}, failed {len(r['failed'])}")
    print(f"median episode after the first: {per_ep:.1f} s -> {EPISODES} episodes = {res['projected_days']:.3f} days "
          f"(paper: {PAPER_DAYS} days on one RTX 2080 Ti)")
    if dev.type == 'cuda':
        print(f"peak CUDA memory: {res['peak_allocated_bytes'] / 2**30:.2f} GiB allocated, {res['peak_reserved_bytes'] / 2**30:.2f} GiB reserved")
    if a.out:
        Path(a.out).parent.mkdir(parents=True, exist_ok=True)
        Path(a.out).write_text(json.dumps(res, indent=1) + '\n')
    return res

if __name__ == '__main__': main()
