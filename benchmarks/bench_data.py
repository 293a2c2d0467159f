"""Training patches per second: from the `.npy` cache (memory-mapped) against reading the NIfTI files directly.

    python benchmarks/bench_data.py [--kind heart] [--cases 20] [--patch 24 48 48] [--patches 400] [--workers 0 2]

Both paths produce the same patches: the NIfTI path reads the case with nibabel (gunzip, checks),
z-scores it, then cuts the patch the way `PatchDataset` does; the cache path is `PatchDataset`
itself. Data is written to a temporary folder and removed afterwards.
"""
import argparse, os, platform, shutil, tempfile, time
from pathlib import Path
import numpy as np, torch
from ronas_nb.msd import load_task, read_case
from ronas_nb.synthetic import make_synthetic_task
from ronas_nb.preprocess import preprocess_case, preprocess_task
from ronas_nb.folds import PatchDataset, extract_patch, foreground_voxels, patch_start

class NiftiPatchDataset(torch.utils.data.Dataset):
    "The same patches as `PatchDataset`, but every item reads and preprocesses its case from NIfTI"
    def __init__(self, refs, patch, n, crop_nonzero=False, seed=0):
        self.refs, self.patch, self.n, self.crop, self.seed = refs, tuple(patch), n, crop_nonzero, seed
    def __len__(self): return self.n
    def __getitem__(self, i):
        rng = np.random.default_rng([self.seed, 0, i])
        ref = self.refs[int(np.random.default_rng([self.seed, 0]).permutation(len(self.refs))[i % len(self.refs)])]
        image, label, _ = preprocess_case(*read_case(ref), crop_nonzero=self.crop)
        img, lab = extract_patch(image, label, patch_start(label.shape, self.patch, rng, foreground_voxels(label)), self.patch)
        if rng.random() < 0.5: img, lab = img[..., ::-1], lab[..., ::-1]
        return torch.from_numpy(np.ascontiguousarray(img)), torch.from_numpy(np.ascontiguousarray(lab))

def rate(ds, workers, batch=2):
    "Patches per second drawing every item of `ds` through a DataLoader, after a warm-up pass (worker start, page cache)"
    dl = torch.utils.data.DataLoader(ds, batch_size=batch, num_workers=workers, persistent_workers=workers > 0)
    for _ in dl: pass
    t = time.perf_counter(); n = sum(len(x) for x, _ in dl)
    return n / (time.perf_counter() - t)

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--kind', default='heart', choices=['heart', 'prostate', 'brain'])
    p.add_argument('--cases', type=int, default=20)
    p.add_argument('--patch', type=int, nargs=3, default=[24, 48, 48])
    p.add_argument('--patches', type=int, default=400, help='patches drawn per measurement')
    p.add_argument('--workers', type=int, nargs='+', default=[0, 2])
    a = p.parse_args()
    torch.set_num_threads(1)
    tmp = Path(tempfile.mkdtemp())
    try:
        t = time.perf_counter(); task_dir = make_synthetic_task(a.kind, tmp / f'Task_{a.kind}', cases=a.cases)
        t_synth = time.perf_counter() - t
        task, crop = load_task(task_dir), a.kind == 'brain'
        t = time.perf_counter(); cases = preprocess_task(task, crop_nonzero=crop); t_cache = time.perf_counter() - t
        nii_mb = sum(f.stat().st_size for c in task.cases for f in (c.image, c.label)) / 2**20
        npy_mb = sum(os.path.getsize(f) for c in cases for f in c.files) / 2**20
        print(f'{a.kind}: {a.cases} cases, median shape {np.median([c.shape for c in cases], 0).astype(int).tolist()}, '
              f'{task.n_channels} channel(s), patch {tuple(a.patch)}; {os.cpu_count()} CPUs, {platform.processor() or platform.machine()}')
        print(f'write synthetic task {t_synth:.1f} s; build cache {t_cache:.1f} s; NIfTI {nii_mb:.1f} MB (gzip), cache {npy_mb:.1f} MB (.npy)')
        print(f"{'source':<26}{'workers':>8}{'patches/s':>12}")
        for w in a.workers:
            cache_rate = rate(PatchDataset(cases, a.patch, samples_per_epoch=a.patches), w)
            nii_rate = rate(NiftiPatchDataset(task.cases, a.patch, a.patches, crop), w)
            print(f"{'.npy cache (mmap)':<26}{w:>8}{cache_rate:>12.1f}")
            print(f"{'NIfTI read per patch':<26}{w:>8}{nii_rate:>12.1f}   (cache {cache_rate / nii_rate:.0f}x faster)")
    finally: shutil.rmtree(tmp, ignore_errors=True)

if __name__ == '__main__': main()
