"""Regenerate the README's two images of a search run: `python tools/readme_images.py RUN_DIR [--out nbs/images]`

- `demo_search.png`: `ronas_nb.rundir.plot_search` of the run (entropy, rewards, how the samples converge);
- `inspector_demo.png`: `ArchInspector(RUN_DIR)` at the run's last episode (its best sampled child, or with
  `--child greedy` the most probable one, which at the last episode is the final architecture), rendered in JupyterLab by headless chromium
  through playwright, with `tools/lab_browser.py` (a private server on loopback with a token and isolated settings
  folders).

For the README, RUN_DIR is the demo run: `ronas search` with no arguments writes it to `runs/demo`.
Needs Debian's `chromium` (or `RONAS_CHROMIUM=/path/to/chrome`), the `playwright` package (no browser download),
and `jupyterlab` for the second image; without them it writes the first image, says what is missing in one
line and exits with status 2. Takes about a minute on 2 CPU cores.
"""
import argparse, json, os, sys, tempfile, time
from pathlib import Path

os.environ.setdefault('MPLBACKEND', 'Agg')
REPO = Path(__file__).resolve().parents[1]
VIEWPORT = {'width': 1500, 'height': 1100}   # lab_browser's default: the inspector comes out about 1070 px wide


def search_image(run_dir:Path, out:Path)->Path:
    "The search curves of the run, 1200 x 330 px"
    import torch; torch.set_num_threads(1)
    from ronas_nb.rundir import read_run, plot_search
    run = read_run(run_dir)
    if not run.history: sys.exit(f'{run_dir}: no episodes in history.jsonl')
    plot_search(run.history, out)
    return out


def missing()->str|None:
    "What the browser screenshot lacks, in words; None if nothing"
    try: import jupyterlab
    except ImportError: return 'no jupyterlab: `pip install jupyterlab`'
    try: import playwright.sync_api
    except ImportError: return 'no playwright: `pip install playwright` (no browser download)'
    from lab_browser import CHROMIUM
    if CHROMIUM is None: return 'no chromium: `apt-get install chromium` (or set RONAS_CHROMIUM)'
    return None


def notebook(run_dir:Path)->dict:
    "A one-cell notebook showing the inspector on `run_dir`"
    src = f'from ronas_nb.viz import ArchInspector\nArchInspector({str(run_dir)!r})'
    return {'nbformat': 4, 'nbformat_minor': 5,
            'metadata': {'kernelspec': {'name': 'python3', 'display_name': 'Python 3 (ipykernel)', 'language': 'python'}},
            'cells': [{'cell_type': 'code', 'id': 'inspector', 'metadata': {}, 'execution_count': None, 'outputs': [], 'source': src}]}


CHILD_LABELS = {'best': 'best sampled child', 'greedy': 'most probable, after the update'}   # as in `sample_options`

def inspector_image(run_dir:Path, out:Path, n_episodes:int, child:str='best')->Path:
    "A screenshot of `ArchInspector(run_dir)` in JupyterLab, showing the last episode"
    from playwright import sync_api
    from lab_browser import notebook_run_in_lab   # its LabError is a RuntimeError
    last = n_episodes - 1
    with tempfile.TemporaryDirectory(prefix='ronas_readme_') as d:
        tmp = Path(d); (tmp/'nbs').mkdir()
        (tmp/'nbs'/'inspector.ipynb').write_text(json.dumps(notebook(run_dir), indent=1))
        try:
            with notebook_run_in_lab(tmp, 'inspector.ipynb', VIEWPORT) as page:
                insp = page.locator('.ronas-inspector')
                insp.wait_for(state='visible', timeout=60_000)
                # the inspector follows the newest episode: check it shows the last one
                sync_api.expect(insp.locator('.rn-episode .widget-readout')).to_have_text(str(last), timeout=30_000)
                sync_api.expect(insp.locator('.rn-info')).to_contain_text(f'episode {last}', timeout=30_000)
                if child != 'best':
                    src0 = insp.locator('img.rn-drawing').get_attribute('src')
                    insp.locator('.rn-child select').select_option(label=CHILD_LABELS[child])
                    sync_api.expect(insp.locator('img.rn-drawing')).not_to_have_attribute('src', src0, timeout=30_000)
                page.wait_for_function("""() => { const imgs = [...document.querySelectorAll('.ronas-inspector img')];
                    return imgs.length >= 2 && imgs.every(i => i.complete && i.naturalWidth > 0); }""", timeout=60_000)
                page.mouse.move(0, 0)          # no hover highlight on the output
                insp.scroll_into_view_if_needed()
                time.sleep(0.5)                # let the layout settle after the images
                insp.screenshot(path=str(out))
        except sync_api.Error as e: raise RuntimeError(f'playwright: {e.message}') from None
    return out


def main(argv=None)->int:
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('run_dir', type=Path, help='a run directory of `ronas search` (the README uses runs/demo)')
    p.add_argument('--child', choices=list(CHILD_LABELS), default='best',
                   help="the inspector's child: the episode's best sample (default) or the most probable (the final architecture)")
    p.add_argument('--out', type=Path, default=REPO/'nbs'/'images', help='where the two PNGs go (default: nbs/images)')
    a = p.parse_args(argv)
    run_dir = a.run_dir.resolve()
    if not (run_dir/'config.json').is_file(): p.error(f'{run_dir}: no config.json, not a run directory of `ronas search`')
    a.out.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    f1 = search_image(run_dir, a.out/'demo_search.png')
    print(f'{f1} ({f1.stat().st_size // 1024} KB, {time.time() - t0:.0f} s)')
    if (why := missing()) is not None:
        print(f'readme_images: {why}; {a.out/"inspector_demo.png"} not written', file=sys.stderr)
        return 2
    from ronas_nb.rundir import read_history
    n = len(read_history(run_dir/'history.jsonl'))
    try: f2 = inspector_image(run_dir, a.out/'inspector_demo.png', n, a.child)
    except (RuntimeError, AssertionError) as e:
        print(f'readme_images: {e}', file=sys.stderr); return 1
    print(f'{f2} ({f2.stat().st_size // 1024} KB, {time.time() - t0:.0f} s)')
    return 0


if __name__ == '__main__': sys.exit(main())
