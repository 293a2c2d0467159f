"""Training-memory benchmark: normal vs depth-wise separable 3x3x3 blocks, add vs concat+1x1x1 skips,
and a small 3D U-Net with either block; measured peak (CPU: profiler, CUDA: max_memory_allocated)
beside `estimate_training_memory`, parameters and ms per step.

    python benchmarks/bench_memory.py            # the realistic sweep (a few minutes on 2 CPU cores)
    python benchmarks/bench_memory.py --quick    # the notebook's small sweep
    python benchmarks/bench_memory.py --device cuda
"""
import argparse, json, platform, time
import torch
from ronas_nb.memory import KINDS, memory_cases, run_case, format_rows

def cases(quick: bool):
    if quick: return memory_cases(KINDS[:4], (8, 16), [(16, 32, 32)], (1, 2))
    return (memory_cases(KINDS[:4], (16, 32, 64), [(32, 32, 32), (48, 48, 48), (16, 64, 64)], (1, 2))
            + memory_cases(KINDS[4:], (8, 16), [(32, 64, 64)], (1, 2)))

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--device', choices=['cpu', 'cuda', 'all'], default='all', help="'all': CPU, then CUDA if available")
    ap.add_argument('--quick', action='store_true', help='the small sweep only')
    ap.add_argument('--threads', type=int, default=1, help='CPU threads (1 keeps timings steady on a shared machine)')
    ap.add_argument('--repeat', type=int, default=3, help='timed steps per case (median reported)')
    ap.add_argument('--json', help='also write the rows to this JSON file')
    args = ap.parse_args()
    devices = ['cpu', 'cuda'] if args.device == 'all' else [args.device]
    if 'cuda' in devices and not torch.cuda.is_available():
        if args.device == 'cuda': raise SystemExit('bench_memory: error: no CUDA device')
        devices.remove('cuda')
    torch.set_num_threads(args.threads)
    out = {}
    for device in devices:
        name = torch.cuda.get_device_name() if device == 'cuda' else f'{platform.processor() or "cpu"}, {args.threads} thread(s)'
        print(f'\n== {device}: {name}, torch {torch.__version__} ==')
        t0, rows = time.perf_counter(), []
        for case in cases(args.quick):
            rows.append(run_case(case, device=device, repeat=args.repeat))
            print(format_rows(rows[-1:]).splitlines()[-1], flush=True)
        worst = max(abs(r['error']) for r in rows)
        print(f'-- {len(rows)} cases in {time.perf_counter() - t0:.0f} s; largest estimate error {worst:.1%}')
        out[device] = rows
    if args.json:
        with open(args.json, 'w') as f: json.dump(out, f, indent=1, default=list)

if __name__ == '__main__':
    main()
