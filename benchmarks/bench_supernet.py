"""Training-step cost of the supernet against its standalone child, and of the maximal child against MONAI's DynUNet.

    python benchmarks/bench_supernet.py [--patch 32 64 64] [--width 16] [--repeats 7] [--device cpu|cuda] [--threads N]

Prints, for the same input and architecture, median time per training step (Adam, dice loss) and the
memory one step adds. Repeats are interleaved (and their order alternated) so a shared, noisy machine
slows every model alike. Memory comes from `ronas_nb.memory.measure_training_memory` (CPU: tensor
bytes under the profiler; CUDA: `max_memory_allocated`). On CUDA, timings synchronise the device.
Ratios are medians of per-round ratios. The CPU profiler writes a few `USDT ... profiler_start/stop` lines to stderr.
"""
import argparse, sys
from pathlib import Path
from types import SimpleNamespace
import numpy as np
import torch
from ronas_nb.space import Arch, SearchSpace
from dataclasses import replace
import ronas_nb.supernet as supernet
from ronas_nb.supernet import ChildNet, SuperNet, dice_loss, total_strides
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import dynunet, interleaved_seconds, med, paired

try: from ronas_nb.memory import measure_training_memory
except ImportError: measure_training_memory = None

HEART = SimpleNamespace(median_shape=(110, 320, 320), min_shape=(90, 320, 320))  # the paper's heart: every stage may pool both axes

def training_step(model, forward, x, y):
    "One Adam step (lr 1e-3, weight decay 1e-5, as the paper) with the dice loss; unused weights keep grad None"
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-5)
    def step():
        opt.zero_grad(set_to_none=True)
        dice_loss(forward(model, x), y).backward()
        opt.step()
    return step

def step_memory(model, forward, x, y, device)->dict | None:
    "Bytes one training step adds (activations, grads, temporaries) and the peak with parameters and Adam state"
    if measure_training_memory is None: return None
    r = measure_training_memory(model, tuple(x.shape), forward=lambda m, inp: forward(m, inp), loss_fn=lambda out: dice_loss(out, y),
                                device=device, repeat=0)
    return {'step': r['step_bytes'], 'peak': r['peak_bytes']}

def child_onednn(step):
    "`step` with the child's 3x3x3 convolutions on oneDNN (04's `CPU_CONV = 'onednn'`)"
    def run():
        own, supernet.CPU_CONV = supernet.CPU_CONV, 'onednn'
        try: step()
        finally: supernet.CPU_CONV = own
    return run

def onednn_kernels(step):
    "`step` with every 3x3x3 `nn.Conv3d` (DynUNet's) on oneDNN, as `CPU_CONV = 'onednn'` runs the child's"
    plain = torch.nn.Conv3d._conv_forward
    def fwd(self, x, w, b):
        if w.shape[2:] != (3, 3, 3) or self.padding_mode != 'zeros': return plain(self, x, w, b)
        return torch.mkldnn_convolution(x, w, b, self.padding, self.stride, self.dilation, self.groups)
    def run():
        torch.nn.Conv3d._conv_forward = fwd
        try: step()
        finally: torch.nn.Conv3d._conv_forward = plain
    return run

def mb(b): return f'{b / 2**20:8.1f} MB'

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--patch', type=int, nargs=3, default=(32, 64, 64))
    p.add_argument('--width', type=int, default=16)
    p.add_argument('--repeats', type=int, default=9)
    p.add_argument('--device', default='cpu')
    p.add_argument('--threads', type=int, default=None, help='torch CPU threads (default: torch default)')
    p.add_argument('--seed', type=int, default=0)
    a = p.parse_args()
    if a.threads: torch.set_num_threads(a.threads)
    if a.device == 'cuda' and not torch.cuda.is_available(): p.error('--device cuda: no CUDA device here')
    dev = torch.device(a.device)
    sync = (lambda: torch.cuda.synchronize(dev)) if dev.type == 'cuda' else (lambda: None)
    torch.manual_seed(a.seed)
    space = SearchSpace.from_fingerprint(HEART)
    sup = SuperNet(space, 1, 2, width=a.width).to(dev)
    x = torch.randn(1, 1, *a.patch, device=dev)
    y = (torch.rand(1, *a.patch, device=dev) > 0.7).long()
    archs = {'maximal': space.max_arch(), 'random': space.random_arch(np.random.default_rng(a.seed))}
    for name, arch in archs.items():
        if any(s % t for s, t in zip(a.patch, (total_strides(arch)[0],) + (total_strides(arch)[1],) * 2)):
            raise SystemExit(f'patch {a.patch} does not divide by the total strides {total_strides(arch)} of the {name} architecture')
    dev_name = torch.cuda.get_device_name(dev) if dev.type == 'cuda' else f'CPU, {torch.get_num_threads()} threads'
    print(f'device: {dev_name}; patch {tuple(a.patch)}, batch 1, width {a.width}; {a.repeats} interleaved repeats, median')

    sup_fwd, child_fwd = (lambda arch: (lambda m, inp: m(inp, arch))), (lambda m, inp: m(inp))
    print('\n1) supernet vs its standalone child, same architecture and input (target: ratio <= 1.05)')
    for name, arch in archs.items():
        child = sup.child(arch)
        t = interleaved_seconds({'supernet': training_step(sup, sup_fwd(arch), x, y), 'child': training_step(child, child_fwd, x, y)},
                                a.repeats, sync)
        m_s, m_c = step_memory(sup, sup_fwd(arch), x, y, dev), step_memory(child, child_fwd, x, y, dev)
        line = f'   {name:8s} step supernet {med(t["supernet"]):.3f} s, child {med(t["child"]):.3f} s, ratio {paired(t["supernet"], t["child"]):.3f}'
        if m_s: line += f'; memory a step adds: supernet {mb(m_s["step"])}, child {mb(m_c["step"])}, ratio {m_s["step"] / m_c["step"]:.3f}'
        print(line)

    print('\n2) maximal child vs MONAI DynUNet (same patch, widths, depth; both deep-supervised with 3 outputs summed)')
    child = sup.child(archs['maximal'])
    plain = sup.child(Arch({**archs['maximal'].to_dict(), **{k: False for k in archs['maximal'] if k.startswith('skip.')}}))
    def nearest(c):   # the same child and weights, growing its feature maps by nearest-neighbour copies (04's `upsample`)
        n = ChildNet(c.arch, replace(c.cfg, upsample='nearest')).to(dev); n.load_state_dict(c.state_dict()); return n
    rand = sup.child(archs['random'])
    filters = [child.cfg.out_channels()[n] for n in ('E1', 'E2', 'E3', 'E4', 'B')]
    ref = dynunet(1, 2, filters).to(dev)
    ref_fwd = lambda m, inp: m(inp).sum(1) if m.training else m(inp)   # training: (N, 3, K, D, H, W) -> summed logits
    models = {'child': child, 'nearest': nearest(child), 'plain': plain, 'plain nearest': nearest(plain),
              'random': rand, 'random nearest': nearest(rand)}
    steps = {'dynunet': training_step(ref, ref_fwd, x, y), **{k: training_step(m, child_fwd, x, y) for k, m in models.items()}}
    if dev.type == 'cpu':   # oneDNN's kernels (04's `CPU_CONV`) against PyTorch's own choice, for both networks
        steps.update({'child, oneDNN': child_onednn(training_step(child, child_fwd, x, y)),
                      'nearest, oneDNN': child_onednn(training_step(models['nearest'], child_fwd, x, y)),
                      'random nearest, oneDNN': child_onednn(training_step(models['random nearest'], child_fwd, x, y)),
                      'dynunet, oneDNN': onednn_kernels(training_step(ref, ref_fwd, x, y))})
    t = interleaved_seconds(steps, a.repeats, sync)
    n_c, n_r = (sum(p.numel() for p in m.parameters()) for m in (child, ref))
    print(f'   filters {filters}; parameters: child {n_c / 1e6:.2f} M, DynUNet {n_r / 1e6:.2f} M')
    print(f'   step time: child {med(t["child"]):.3f} s, DynUNet {med(t["dynunet"]):.3f} s, ratio {paired(t["child"], t["dynunet"]):.3f}')
    label = {'nearest': 'the same child, nearest-neighbour growth', 'plain': 'the same child without its 28 searched skips',
             'plain nearest': 'without its skips, nearest-neighbour growth', 'random': f'a random child ({archs["random"].code})',
             'random nearest': 'the random child, nearest-neighbour growth'}
    if dev.type == 'cpu': label.update({
        'child, oneDNN': "the maximal child, its 3x3x3 convolutions on oneDNN (CPU_CONV = 'onednn')",
        'nearest, oneDNN': "nearest-neighbour growth and oneDNN",
        'random nearest, oneDNN': "the random child, nearest-neighbour growth and oneDNN",
        'dynunet, oneDNN': "DynUNet with its 3x3x3 convolutions on oneDNN too"})
    for k, what in label.items(): print(f'   ({what}: {med(t[k]):.3f} s, ratio to DynUNet {paired(t[k], t["dynunet"]):.3f})')
    m_c, m_r = step_memory(child, child_fwd, x, y, dev), step_memory(ref, ref_fwd, x, y, dev)
    if m_c:
        print(f'   peak memory (params, Adam state, step): child {mb(m_c["peak"])}, DynUNet {mb(m_r["peak"])}, ratio {m_c["peak"] / m_r["peak"]:.3f}')
        print(f'   memory a step adds:                   child {mb(m_c["step"])}, DynUNet {mb(m_r["step"])}, ratio {m_c["step"] / m_r["step"]:.3f}')
        m_n = step_memory(models['nearest'], child_fwd, x, y, dev)
        print(f'   peak memory, nearest-neighbour growth: {mb(m_n["peak"])}, ratio to DynUNet {m_n["peak"] / m_r["peak"]:.3f}')
    else: print('   memory: ronas_nb.memory.measure_training_memory is not available')

if __name__ == '__main__': main()
