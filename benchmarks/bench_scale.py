"""Speed and scale: training throughput and peak memory of the maximal child against MONAI's DynUNet, and the
projected wall time and memory of a full heart search with the paper's settings.

    python benchmarks/bench_scale.py [--device cpu|cuda] [--patch 32 64 64] [--width 16] [--batch 1] [--repeats 5]
        [--amp off|bf16|fp16] [--channels-last] [--cudnn-benchmark] [--compare-switches]
        [--scale F] [--quick] [--children 3] [--only throughput|projection] [--threads N] [--out FILE]
    python benchmarks/bench_scale.py --gpu-suite     # CUDA: everything the GPU session needs (a few minutes on an H100)

1) Throughput: one training step (Adam 1e-3 / 1e-5, dice loss) of the maximal child of the heart space and of
   MONAI's DynUNet at the same patch, base width and depth; repeats interleaved and their order alternated, so a
   shared machine slows both alike; ratios are medians of per-round ratios. Peak memory: CPU
   `measure_training_memory` (profiler); CUDA `max_memory_allocated` after `reset_peak_memory_stats`, as the
   bytes a step adds plus the model's parameters, Adam state and batch. `--amp` (autocast; fp16 with GradScaler, CUDA
   only), `--channels-last` (channels_last_3d) and `--cudnn-benchmark` apply to both networks; with
   `--compare-switches` every switch given is also measured alone against all-off in the same run.
2) Projection of a full heart search (paper sec. 3.1: 500 episodes, 3 child epochs on the 16 training cases of a
   fold, one patch per case per epoch, batch 1; 20 children rewarded one-shot on the 4 validation cases):
   days = 500 * (3*16*step + 20*4*oneshot) / 86400, `step` at the child's patch (the largest heart patch for the
   maximal child), `oneshot` = the reward's work for one case (whole-volume forward, softmax, labels, dice) at MSD
   heart's median volume 110 x 320 x 320, for the maximal child (upper bound) and a few random children (typical),
   in fp32 as the paper (PyTorch 1.0) and again under the switches given.
   With `--scale F` < 1 (the CPU default) every shape is shrunk by F per axis (kept a multiple of the strides) and
   times are multiplied by the voxel ratio: an extrapolation, labelled so. Memory: does the maximal child's search
   fit the paper's 10.8 GB (an RTX 2080 Ti: 11019 MiB = 10.76 GiB)? CUDA: measured over a training step and a
   one-shot pass with the 4 validation volumes resident; CPU: `measure_training_memory` at the reduced size,
   extrapolated, beside `estimate_training_memory` at the full size.
"""
import argparse, contextlib, copy, gc, json, math, os, platform, re, statistics, sys, time
from dataclasses import dataclass, asdict
from pathlib import Path
from types import SimpleNamespace
import numpy as np
import torch
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.append(str(Path(__file__).resolve().parents[1]))   # ronas_nb from this checkout when it is not installed (GPU machine)
from _common import dynunet, interleaved_seconds, paired
from ronas_nb.search import reward
from ronas_nb.memory import measure_training_memory, estimate_training_memory, profiled_peak_bytes, storage_bytes
from ronas_nb.patch import PAPER_SHAPES
from ronas_nb.space import SearchSpace
from ronas_nb.supernet import SuperNet, dice_loss, total_strides

HEART = SimpleNamespace(median_shape=PAPER_SHAPES['heart'][0], min_shape=PAPER_SHAPES['heart'][1])
HEART_VOLUME = (110, 320, 320)   # MSD Task02_Heart median (D, H, W) after z-score; the heart preset crops nothing
SEARCH = dict(episodes=500, child_epochs=3, train_cases=16, batch=1, children=20, val_cases=4)  # paper sec. 3.1, heart
PAPER_DAYS, BUDGET_GIB = 1.39, 10.8
AMP_DTYPES = {'off': None, 'bf16': torch.bfloat16, 'fp16': torch.float16}
GiB = 2**30

# --- switches -------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Switches:
    "How a step runs: autocast dtype, memory format, cuDNN autotuning"
    amp: str = 'off'
    channels_last: bool = False
    cudnn_benchmark: bool = False
    @property
    def name(self)->str:
        on = ([f'amp-{self.amp}'] if self.amp != 'off' else []) + (['channels-last'] if self.channels_last else []) \
             + (['cudnn-benchmark'] if self.cudnn_benchmark else [])
        return '+'.join(on) or 'off'

def switch_configs(sw:Switches, compare:bool)->list:
    "The configurations to measure: `sw` alone, or all-off, each switch of `sw` alone, and `sw` when it combines several"
    if not compare: return [sw]
    alone = ([Switches(amp=sw.amp)] if sw.amp != 'off' else []) + ([Switches(channels_last=True)] if sw.channels_last else []) \
            + ([Switches(cudnn_benchmark=True)] if sw.cudnn_benchmark else [])
    return [Switches()] + alone + ([sw] if len(alone) > 1 else [])

def with_switches(model, sw:Switches):
    "`model` in the switches' memory format"
    return model.to(memory_format=torch.channels_last_3d) if sw.channels_last else model

def switched_forward(forward, sw:Switches, device):
    "`forward(model, x)` under the switches: input memory format, autocast"
    dtype = AMP_DTYPES[sw.amp]
    def f(model, x):
        torch.backends.cudnn.benchmark = sw.cudnn_benchmark   # global: set before every call, configs interleave
        if sw.channels_last: x = x.contiguous(memory_format=torch.channels_last_3d)
        with torch.autocast(device.type, dtype=dtype) if dtype is not None else contextlib.nullcontext():
            return forward(model, x)
    return f

def grad_scaler(device):
    try: return torch.amp.GradScaler(device.type)
    except AttributeError: return torch.cuda.amp.GradScaler()   # torch < 2.3

class TrainingStep:
    "One Adam step (paper: lr 1e-3, weight decay 1e-5) with the dice loss, under `sw`; fp16 on CUDA uses a GradScaler"
    def __init__(self, model, forward, x, y, sw:Switches, device):
        self.model, self.x, self.y, self.device = model, x, y, device
        self.forward = switched_forward(forward, sw, device)
        self.opt = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-5)
        self.scaler = grad_scaler(device) if sw.amp == 'fp16' and device.type == 'cuda' else None
    def loss(self, out): return dice_loss(out.float(), self.y)
    def __call__(self):
        self.model.train()
        self.opt.zero_grad(set_to_none=True)
        loss = self.loss(self.forward(self.model, self.x))
        if self.scaler is None: loss.backward(); self.opt.step()
        else: self.scaler.scale(loss).backward(); self.scaler.step(self.opt); self.scaler.update()

def step_memory(s:TrainingStep)->dict:
    "Peak bytes of a training step: parameters, buffers, Adam state and batch, plus what the step adds at its peak"
    dev = s.device
    if dev.type != 'cuda':
        r = measure_training_memory(s.model, tuple(s.x.shape), forward=s.forward, loss_fn=s.loss, device=dev, repeat=0)
        return dict(peak_bytes=r['peak_bytes'], step_bytes=r['step_bytes'], baseline_bytes=r['baseline_bytes'])
    s(); s.opt.zero_grad(set_to_none=True); gc.collect(); torch.cuda.synchronize(dev)   # Adam state exists, grads freed
    state = [v for st in s.opt.state.values() for v in st.values() if torch.is_tensor(v)]
    base = storage_bytes([*s.model.parameters(), *s.model.buffers(), *state, s.x, s.y])
    before = torch.cuda.memory_allocated(dev); torch.cuda.reset_peak_memory_stats(dev)
    s(); torch.cuda.synchronize(dev)
    added = torch.cuda.max_memory_allocated(dev) - before
    s.opt.zero_grad(set_to_none=True)
    return dict(peak_bytes=base + added, step_bytes=added, baseline_bytes=base)

# --- machine --------------------------------------------------------------------------------------------------
def cpu_model()->str:
    try:
        for line in open('/proc/cpuinfo'):
            if line.startswith('model name'): return line.split(':', 1)[1].strip()
    except OSError: pass
    return platform.processor() or platform.machine()

def machine(dev)->dict:
    d = dict(device=dev.type, cpu=cpu_model(), cpu_count=os.cpu_count(), threads=torch.get_num_threads(), torch=torch.__version__,
             python=platform.python_version(), platform=platform.platform())
    try:
        import monai; d['monai'] = monai.__version__
    except ImportError: pass
    if dev.type == 'cuda':
        p = torch.cuda.get_device_properties(dev)
        d.update(gpu=p.name, gpu_memory_bytes=p.total_memory, cuda=torch.version.cuda, cudnn=torch.backends.cudnn.version())
    return d

def mib(b): return f'{b / 2**20:9.1f} MiB'
def gib(b): return f'{b / GiB:6.2f} GiB'

# --- 1) throughput --------------------------------------------------------------------------------------------
def throughput(a, dev, sync, configs)->dict:
    "Maximal child vs DynUNet, every configuration, one interleaved run"
    torch.manual_seed(a.seed)
    space = SearchSpace.from_fingerprint(HEART)
    child = SuperNet(space, 1, 2, width=a.width).child(space.max_arch())
    sd, shw = total_strides(child.arch)
    if a.patch[0] % sd or a.patch[1] % shw or a.patch[2] % shw:
        raise SystemExit(f'--patch {a.patch} must be a multiple of the maximal child\'s total strides ({sd}, {shw}, {shw})')
    filters = [child.cfg.out_channels()[n] for n in ('E1', 'E2', 'E3', 'E4', 'B')]
    ref = dynunet(1, 2, filters)
    x = torch.randn(a.batch, 1, *a.patch, device=dev)
    y = (torch.rand(a.batch, *a.patch, device=dev) > 0.7).long()
    fwd = {'child': lambda m, inp: m(inp), 'dynunet': lambda m, inp: m(inp).sum(1) if m.training else m(inp)}  # DynUNet: 3 deep-supervision outputs summed
    steps = {}
    for sw in configs:
        for name, base in (('child', child), ('dynunet', ref)):
            steps[(name, sw)] = TrainingStep(with_switches(copy.deepcopy(base).to(dev), sw), fwd[name], x, y, sw, dev)
    errors = {}
    for sw in configs:   # one call each first: a configuration this machine cannot run is reported, not fatal
        try:
            for n in ('child', 'dynunet'): steps[(n, sw)]()
        except Exception as e:
            errors[sw.name] = f'{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ""}'
            for n in ('child', 'dynunet'): steps.pop((n, sw), None)
            print(f'   {sw.name}: FAILED, left out ({errors[sw.name]})')
    configs = [sw for sw in configs if sw.name not in errors]
    print(f'\n1) throughput: maximal child vs MONAI DynUNet (filters {filters}), patch {tuple(a.patch)}, batch {a.batch}, '
          f'width {a.width}; {a.repeats} interleaved repeats, median')
    t = interleaved_seconds({f'{n} {sw.name}': s for (n, sw), s in steps.items()}, a.repeats, sync)
    mem = {f'{n} {sw.name}': step_memory(s) for (n, sw), s in steps.items()}
    vox = a.batch * math.prod(a.patch)
    out = dict(patch=list(a.patch), width=a.width, batch=a.batch, repeats=a.repeats, filters=filters,
               params=dict(child=sum(p.numel() for p in child.parameters()), dynunet=sum(p.numel() for p in ref.parameters())),
               configs={}, switches={}, errors=errors)
    print(f"   {'config':40s} {'network':8s} {'s/step':>8s} {'Mvox/s':>8s} {'peak':>13s}")
    for sw in configs:
        row = {}
        for n in ('child', 'dynunet'):
            k = f'{n} {sw.name}'
            row[n] = dict(seconds=statistics.median(t[k]), voxels_per_s=vox / statistics.median(t[k]), **mem[k])
            print(f"   {sw.name:40s} {n:8s} {row[n]['seconds']:8.3f} {row[n]['voxels_per_s'] / 1e6:8.3f} {mib(row[n]['peak_bytes'])}")
        tr = paired(t[f'child {sw.name}'], t[f'dynunet {sw.name}'])
        row['child_over_dynunet'] = dict(time=tr, throughput=1 / tr, peak_memory=row['child']['peak_bytes'] / row['dynunet']['peak_bytes'])
        print(f"   {'':40s} child / DynUNet: time {tr:.3f}x, throughput {1 / tr:.3f}x, peak memory {row['child_over_dynunet']['peak_memory']:.3f}x")
        out['configs'][sw.name] = dict(switches=asdict(sw), **row)
    if len(configs) > 1 and configs[0] == Switches():
        print('   switch / off (paired time ratio < 1: faster; memory ratio of peaks):')
        for sw in configs[1:]:
            r = {n: dict(time=paired(t[f'{n} {sw.name}'], t[f'{n} off']),
                         peak_memory=mem[f'{n} {sw.name}']['peak_bytes'] / mem[f'{n} off']['peak_bytes']) for n in ('child', 'dynunet')}
            out['switches'][sw.name] = r
            print(f"   {sw.name:40s} child time {r['child']['time']:.3f}x memory {r['child']['peak_memory']:.3f}x; "
                  f"DynUNet time {r['dynunet']['time']:.3f}x memory {r['dynunet']['peak_memory']:.3f}x")
    del steps; gc.collect()
    if dev.type == 'cuda': torch.cuda.empty_cache()
    return out

# --- 2) projection --------------------------------------------------------------------------------------------
def padded(shape, strides)->tuple:
    "`shape` rounded up to multiples of `(sd, shw, shw)`, as one-shot inference pads it"
    m = (strides[0], strides[1], strides[1])
    return tuple(-(-s // k) * k for s, k in zip(shape, m))

def scaled(shape, strides, f:float)->tuple:
    "`shape` shrunk by `f` per axis, to the nearest multiple of the strides (at least one stride)"
    m = (strides[0], strides[1], strides[1])
    return tuple(max(k, round(s * f / k) * k) for s, k in zip(shape, m))

def projected_days(step_s:float, oneshot_s:float, episodes=500, child_epochs=3, train_cases=16, batch=1, children=20, val_cases=4)->float:
    "Days of a search: per episode the child's training steps and the children's one-shot rewards"
    return episodes * (child_epochs * math.ceil(train_cases / batch) * step_s + children * val_cases * oneshot_s) / 86400

class OneShotReward:
    "One validation case of the search's own `reward`: whole-volume one-shot softmax, labels and patient dice, on the device"
    def __init__(self, net, arch, image, label, sw:Switches, device):
        self.net, self.arch, self.image, self.label, self.sw = net, arch, image, label.to(device), sw
    def __call__(self):
        torch.backends.cudnn.benchmark = self.sw.cudnn_benchmark   # global: set before every call, configs interleave
        return reward(self.net, self.arch, [self.image], [self.label], 2, amp=AMP_DTYPES[self.sw.amp])

def volume(shape, device, seed=0):
    "A z-scored-like image (1, D, H, W) and a uint8 label on `device`, where the search keeps its reward set"
    g = torch.Generator().manual_seed(seed)
    return torch.randn(1, *shape, generator=g).to(device), (torch.rand(shape, generator=g) > 0.9).to(torch.uint8).to(device)

def cuda_search_memory(net, arch, sw:Switches, dev)->dict:
    "Peak CUDA memory of the maximal child's search: validation volumes resident, training steps, a one-shot reward"
    gc.collect(); torch.cuda.empty_cache(); torch.cuda.synchronize(dev); torch.cuda.reset_peak_memory_stats(dev)
    start = torch.cuda.memory_allocated(dev)
    vols = [volume(HEART_VOLUME, dev, seed=i) for i in range(SEARCH['val_cases'])]
    x = torch.randn(1, 1, *arch.patch, device=dev); y = (torch.rand(1, *arch.patch, device=dev) > 0.7).long()
    r = dict(fits_this_gpu=True)
    try:
        s = TrainingStep(net, lambda m, inp: m(inp, arch), x, y, sw, dev)
        for _ in range(2): s()
        OneShotReward(net, arch, *vols[0], sw, dev)(); torch.cuda.synchronize(dev)
    except torch.cuda.OutOfMemoryError as e:
        r.update(fits_this_gpu=False, error=str(e).splitlines()[0])
    r.update(peak_allocated_bytes=torch.cuda.max_memory_allocated(dev), peak_reserved_bytes=torch.cuda.max_memory_reserved(dev),
             allocated_before_bytes=start)
    del vols, x, y; s = None; gc.collect(); torch.cuda.empty_cache()
    for p in net.parameters(): p.grad = None
    return r

def cpu_search_memory(net, arch, shape, vol_shape, ratio:float, vol_ratio:float, sw:Switches)->dict:
    "Maximal child's search memory on the CPU: measured at the reduced size, extrapolated; estimated at the full size"
    y = (torch.rand(1, *shape) > 0.7).long()
    s = TrainingStep(net, lambda m, inp: m(inp, arch), torch.randn(1, 1, *shape), y, sw, torch.device('cpu'))
    m = step_memory(s)
    grads = storage_bytes(net.parameters())
    img, lab = volume(vol_shape, 'cpu')
    reward = OneShotReward(net, arch, img, lab, sw, torch.device('cpu'))
    oneshot_added, _ = profiled_peak_bytes(reward)
    full, full_y = arch.patch, torch.zeros(1, *arch.patch, dtype=torch.long, device='meta')
    est = {d: estimate_training_memory(net, (1, 1, *full), forward=lambda mm, inp: mm(inp, arch), loss_fn=lambda o: dice_loss(o, full_y),
                                       device=d).total for d in ('cpu', 'cuda')}
    red_y = torch.zeros(1, *shape, dtype=torch.long, device='meta')
    est_reduced = estimate_training_memory(net, (1, 1, *shape), forward=lambda mm, inp: mm(inp, arch), loss_fn=lambda o: dice_loss(o, red_y),
                                           device='cpu').total
    for p in net.parameters(): p.grad = None
    return dict(measured_shape=list(shape), measured_peak_bytes=m['peak_bytes'], measured_step_bytes=m['step_bytes'],
                estimated_peak_bytes_at_measured_shape=est_reduced,
                # gradients (one per parameter) do not grow with the input; activations and temporaries do
                extrapolated_peak_bytes=m['baseline_bytes'] + grads + (m['step_bytes'] - grads) * ratio,
                oneshot_added_bytes_measured=oneshot_added, oneshot_added_bytes_extrapolated=oneshot_added * vol_ratio,
                estimated_peak_bytes_full=est['cpu'], estimated_peak_bytes_full_cuda_model=est['cuda'],
                estimator_note='estimates are fp32 whatever the config (the estimator does not model autocast); '
                               'cuda model: no CPU convolution workspace, no cuDNN workspace')

def projection(a, dev, sync, sw:Switches)->dict:
    "Step and one-shot reward times of the maximal and random children, the projected days, and the memory fit"
    torch.manual_seed(a.seed)
    space = SearchSpace.from_fingerprint(HEART)
    net = with_switches(SuperNet(space, 1, 2, width=a.width).to(dev), sw)
    rng = np.random.default_rng(a.seed)
    archs = {'maximal': space.max_arch(), **{f'random{i}': space.random_arch(rng) for i in range(a.children)}}
    f = a.scale
    label = 'measured' if f == 1 else f'EXTRAPOLATED from {f:g}x per axis by voxel count'
    print(f'\n2) projected heart search ({label}); config {sw.name}, width {a.width} (the paper does not give its width), '
          f'largest heart patch {space.max_arch().patch}, whole volume {HEART_VOLUME}')
    out = dict(config=sw.name, width=a.width, scale=f, extrapolated=f != 1, settings=SEARCH, volume=list(HEART_VOLUME),
               formula='days = episodes * (child_epochs * ceil(train_cases / batch) * step + children * val_cases * oneshot) / 86400',
               paper_days=PAPER_DAYS, archs={})
    steps, shapes = {}, {}
    for name, arch in archs.items():
        st = total_strides(arch)
        patch, vol = scaled(arch.patch, st, f), scaled(padded(HEART_VOLUME, st), st, f)
        if f == 1: vol = HEART_VOLUME
        shapes[name] = dict(arch=arch.code, strides=list(st), patch=list(arch.patch), measured_patch=list(patch), measured_volume=list(vol),
                            step_ratio=math.prod(arch.patch) / math.prod(patch),
                            oneshot_ratio=math.prod(padded(HEART_VOLUME, st)) / math.prod(padded(vol, st)))
        x = torch.randn(1, 1, *patch, device=dev); y = (torch.rand(1, *patch, device=dev) > 0.7).long()
        steps[f'{name} step'] = TrainingStep(net, lambda m, inp, arch=arch: m(inp, arch), x, y, sw, dev)
        steps[f'{name} oneshot'] = OneShotReward(net, arch, *volume(vol, dev), sw, dev)
    if f < 1:   # is time linear in voxels? the maximal child's step at half the reduced size per axis, beside the reduced size
        st = total_strides(archs['maximal']); small = scaled(archs['maximal'].patch, st, f / 2)
        x = torch.randn(1, 1, *small, device=dev); y = (torch.rand(1, *small, device=dev) > 0.7).long()
        steps['linearity step'] = TrainingStep(net, lambda m, inp: m(inp, archs['maximal']), x, y, sw, dev)
    t = interleaved_seconds(steps, a.repeats, sync)
    print(f"   {'child':9s} {'strides':>8s} {'patch':>14s} {'measured at':>14s} {'step s':>8s} {'oneshot s':>10s} {'days':>7s}")
    for name in archs:
        sh = shapes[name]
        step = statistics.median(t[f'{name} step']) * sh['step_ratio']
        oneshot = statistics.median(t[f'{name} oneshot']) * sh['oneshot_ratio']
        days = projected_days(step, oneshot, SEARCH['episodes'], SEARCH['child_epochs'], SEARCH['train_cases'], SEARCH['batch'],
                              SEARCH['children'], SEARCH['val_cases'])
        out['archs'][name] = dict(**sh, step_s=step, oneshot_s=oneshot, days=days,
                                  measured_step_s=statistics.median(t[f'{name} step']), measured_oneshot_s=statistics.median(t[f'{name} oneshot']))
        print(f"   {name:9s} {str(tuple(sh['strides'])):>8s} {'x'.join(map(str, sh['patch'])):>14s} {'x'.join(map(str, sh['measured_patch'])):>14s} "
              f"{step:8.2f} {oneshot:10.2f} {days:7.2f}")
    mx = out['archs']['maximal']
    rand = [out['archs'][n] for n in archs if n != 'maximal']
    out['days_upper_bound'] = mx['days']
    if rand:
        out['typical_step_s'] = statistics.mean(r['step_s'] for r in rand)
        out['typical_oneshot_s'] = statistics.mean(r['oneshot_s'] for r in rand)
        out['days_typical'] = projected_days(out['typical_step_s'], out['typical_oneshot_s'])
    print(f"   projected days = 500 * (3*16*step + 20*4*oneshot) / 86400: maximal child (upper bound) {mx['days']:.2f} days"
          + (f", random children (typical) {out['days_typical']:.2f} days" if rand else '') + f"; paper: {PAPER_DAYS} days on one RTX 2080 Ti"
          + (f'  [{label}]' if f != 1 else ''))
    if 'linearity step' in t:
        small_vox = math.prod(small)
        t_small, big_vox = statistics.median(t['linearity step']), math.prod(mx['measured_patch'])
        lin = out['linearity'] = dict(shapes=[list(small), mx['measured_patch']],
                                      us_per_voxel=[1e6 * t_small / small_vox, 1e6 * mx['measured_step_s'] / big_vox],
                                      marginal_us_per_voxel=1e6 * (mx['measured_step_s'] - t_small) / (big_vox - small_vox))
        print(f"   linearity check, maximal child step: {lin['us_per_voxel'][0]:.2f} us/voxel at {'x'.join(map(str, small))}, "
              f"{lin['us_per_voxel'][1]:.2f} at {'x'.join(map(str, mx['measured_patch']))}, marginal {lin['marginal_us_per_voxel']:.2f}"
              + (" (per-voxel cost still falling with size: the extrapolation overstates)" if lin['us_per_voxel'][1] < 0.9 * lin['us_per_voxel'][0] else ''))
    del steps; gc.collect()
    # memory: does the maximal child's search fit the paper's GPU?
    mx_arch, budget = archs['maximal'], BUDGET_GIB * GiB
    reward_set = SEARCH['val_cases'] * math.prod(HEART_VOLUME) * 4
    if dev.type == 'cuda':
        m = cuda_search_memory(net, mx_arch, sw, dev)
        m.update(budget_bytes=budget, fits=m['fits_this_gpu'] and m['peak_allocated_bytes'] <= budget)
        print(f"   memory, maximal child at {mx_arch.patch} + one-shot on {HEART_VOLUME}, 4 validation volumes resident: "
              f"peak allocated {gib(m['peak_allocated_bytes'])}, reserved {gib(m['peak_reserved_bytes'])}; "
              f"fits {BUDGET_GIB} GiB: {'yes' if m['fits'] else 'NO'} (the CUDA context, a few hundred MiB, comes on top)")
    else:
        mx_sh = shapes['maximal']
        m = cpu_search_memory(net, mx_arch, mx_sh['measured_patch'], mx_sh['measured_volume'], mx_sh['step_ratio'], mx_sh['oneshot_ratio'], sw)
        need_est = m['estimated_peak_bytes_full_cuda_model'] + reward_set
        need_ext = m['extrapolated_peak_bytes'] + reward_set
        m.update(reward_set_bytes=reward_set, budget_bytes=budget, fits_estimated=need_est <= budget, fits_extrapolated=need_ext <= budget)
        print(f"   memory, maximal child training step at {mx_arch.patch}, batch 1 (+ {gib(reward_set)} for the 4 validation volumes):")
        print(f"     measured at {'x'.join(map(str, mx_sh['measured_patch']))}: {mib(m['measured_peak_bytes'])} "
              f"(fp32 estimator there: {mib(m['estimated_peak_bytes_at_measured_shape'])})")
        print(f"     extrapolated to full size: {gib(m['extrapolated_peak_bytes'])} -> {gib(need_ext)}; "
              f"fp32 estimate at full size: {gib(m['estimated_peak_bytes_full'])} (CPU model), {gib(m['estimated_peak_bytes_full_cuda_model'])} "
              f"(CUDA model, no cuDNN workspace) -> {gib(need_est)}")
        print(f"     fits {BUDGET_GIB} GiB: estimated {'yes' if m['fits_estimated'] else 'NO'}, extrapolated {'yes' if m['fits_extrapolated'] else 'NO'}; "
              f"one-shot pass adds {gib(m['oneshot_added_bytes_extrapolated'])} (extrapolated); measure on CUDA to settle it")
    out['memory'] = m
    del net; gc.collect()
    if dev.type == 'cuda': torch.cuda.empty_cache()
    return out

# --- main -----------------------------------------------------------------------------------------------------
GPU_SUITE_CONFIGS = [Switches(), Switches(amp='bf16'), Switches(amp='fp16'), Switches(channels_last=True), Switches(cudnn_benchmark=True),
                     Switches(amp='bf16', cudnn_benchmark=True), Switches(amp='bf16', channels_last=True, cudnn_benchmark=True)]

def slug(s:str)->str: return re.sub(r'[^a-z0-9]+', '_', s.lower()).strip('_')

def parse(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--device', default='cpu', help='cpu or cuda')
    p.add_argument('--patch', type=int, nargs=3, default=None, help='throughput patch D H W (default 32 64 64; GPU suite: 96 320 320)')
    p.add_argument('--width', type=int, default=16, help='channels of E1 and of DynUNet\'s first level (default 16)')
    p.add_argument('--batch', type=int, default=1)
    p.add_argument('--repeats', type=int, default=None, help='timed rounds (default 5, --quick 3)')
    p.add_argument('--amp', choices=list(AMP_DTYPES), default='off', help='autocast dtype; fp16 uses a GradScaler and needs CUDA')
    p.add_argument('--channels-last', action='store_true', help='channels_last_3d weights and inputs')
    p.add_argument('--cudnn-benchmark', action='store_true', help='torch.backends.cudnn.benchmark = True')
    p.add_argument('--compare-switches', action='store_true', help='also measure all-off and each switch alone, in the same run')
    p.add_argument('--scale', type=float, default=None, help='projection: measure at F x the heart sizes per axis and scale by voxels '
                   '(default: 1 on CUDA, 0.25 on CPU)')
    p.add_argument('--quick', action='store_true', help='fewer repeats (3) and random children (2)')
    p.add_argument('--children', type=int, default=None, help='random children in the projection (default 3, --quick 2)')
    p.add_argument('--only', choices=['throughput', 'projection'], help='run one part')
    p.add_argument('--threads', type=int, default=None, help='torch CPU threads')
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--out', help='write the figures as JSON to this file')
    p.add_argument('--results', default=os.path.relpath(Path(__file__).resolve().parent / 'results'),
                   help='folder of the --gpu-suite file gpu_<name>.json when --out is not given (default benchmarks/results)')
    p.add_argument('--gpu-suite', action='store_true', help='CUDA: throughput at 96x320x320 for 7 switch configurations, projections fp32 '
                   'and bf16; writes benchmarks/results/gpu_<name>.json')
    a = p.parse_args(argv)
    if a.gpu_suite: a.device = 'cuda'
    a.repeats = a.repeats or (3 if a.quick else 5)
    a.children = a.children if a.children is not None else (2 if a.quick else 3)
    a.scale = a.scale or (1.0 if a.device.startswith('cuda') else 0.25)   # below ~0.25 the deepest levels stop shrinking: extrapolation fails
    a.patch = tuple(a.patch or ((96, 320, 320) if a.gpu_suite else (32, 64, 64)))
    if not 0 < a.scale <= 1: p.error('--scale must be in (0, 1]')
    if a.device.startswith('cuda') and not torch.cuda.is_available(): p.error(f'--device {a.device}: no CUDA device here')
    if a.amp == 'fp16' and not a.device.startswith('cuda'): p.error('--amp fp16 needs CUDA (use bf16 on the CPU)')
    return a

def main(argv=None):
    a = parse(argv)
    if a.threads: torch.set_num_threads(a.threads)
    dev = torch.device(a.device)
    sync = (lambda: torch.cuda.synchronize(dev)) if dev.type == 'cuda' else (lambda: None)
    sw = Switches(a.amp, a.channels_last, a.cudnn_benchmark)
    res = dict(benchmark='bench_scale', machine=machine(dev), args={k: (list(v) if isinstance(v, tuple) else v) for k, v in vars(a).items()})
    m = res['machine']
    print(f"device: {m.get('gpu', m['cpu'])}{'' if dev.type == 'cuda' else ', %d threads' % m['threads']}; torch {m['torch']}")
    if a.gpu_suite: a.out = a.out or str(Path(a.results) / f"gpu_{slug(m['gpu'])}.json")
    t0 = time.perf_counter()
    def save():   # after every part, so a run cut short keeps what it measured
        res['seconds'] = time.perf_counter() - t0
        if a.out:
            Path(a.out).parent.mkdir(parents=True, exist_ok=True)
            Path(a.out).write_text(json.dumps(res, indent=1) + '\n')
    configs = GPU_SUITE_CONFIGS if a.gpu_suite else switch_configs(sw, a.compare_switches)
    # the paper's fp32 first, then the switches given (GPU suite: bf16 autocast, the search's default on CUDA)
    projected = [Switches(), Switches(amp='bf16')] if a.gpu_suite else list(dict.fromkeys([Switches(), sw]))
    if a.only != 'projection':
        res['throughput'] = throughput(a, dev, sync, configs); save()
    if a.only != 'throughput':
        res['projection'], res['projection_errors'] = [], {}
        for c in projected:
            try: res['projection'].append(projection(a, dev, sync, c))
            except Exception as e:
                if not a.gpu_suite: raise
                res['projection_errors'][c.name] = f'{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ""}'
                print(f'   projection {c.name}: FAILED ({res["projection_errors"][c.name]})')
                gc.collect(); torch.cuda.empty_cache()
            save()
    save()
    print(f'\ntotal {res["seconds"]:.0f} s' + (f'; figures written to {a.out}' if a.out else ''))
    return res

if __name__ == '__main__': main()
