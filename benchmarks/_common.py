"""What `bench_supernet.py` and `bench_scale.py` share: paired timing of training steps and MONAI's DynUNet
as the reference network. Not a benchmark itself; the leading underscore keeps it out of the table."""
import statistics, time

def interleaved_seconds(steps:dict, repeats:int, sync)->dict:
    "Seconds per call of each step, one per round, calls interleaved, order alternated every round"
    for f in steps.values(): f()   # warm-up: Adam state, allocator, oneDNN primitives
    times, names = {k: [] for k in steps}, list(steps)
    for r in range(repeats):
        for k in (names if r % 2 == 0 else names[::-1]):
            sync(); t0 = time.perf_counter(); steps[k](); sync(); times[k].append(time.perf_counter() - t0)
    return times

def med(v): return statistics.median(v)

def paired(a, b)->float:
    "Median of the per-round ratios: each pair ran back to back, so slow drifts of a shared machine cancel"
    return statistics.median(x / y for x, y in zip(a, b))

def dynunet(in_channels, n_classes, filters):
    "MONAI's DynUNet at the same depth and widths: 3x3x3 kernels, stride-2 stages, instance norm, deep supervision on 2 extra levels"
    from monai.networks.nets import DynUNet
    return DynUNet(3, in_channels, n_classes, kernel_size=[3] * 5, strides=[1, 2, 2, 2, 2], upsample_kernel_size=[2] * 4,
                   filters=filters, norm_name=('INSTANCE', {'affine': True}), deep_supervision=True, deep_supr_num=2)
