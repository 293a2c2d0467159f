"""The viz notebook in JupyterLab, in a real (headless) browser: run all cells, find the inspector, move its slider.

Needs Debian's `chromium` (or `RONAS_CHROMIUM=/path/to/chrome`) and the `playwright` Python package; no browser is
downloaded. Screenshots go to `$RONAS_SCREENSHOT_DIR` (default: a temporary folder, printed). Run with
`pytest tests/test_viz_browser.py` (about a minute), or through the `slow` cell of nbs/08_viz.ipynb.
"""
import os, re, shutil, sys, tempfile, time
from contextlib import contextmanager
from pathlib import Path
import pytest

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK = REPO/'nbs'/'08_viz.ipynb'
sys.path.insert(0, str(REPO/'tools'))
from lab_browser import CHROMIUM, LabError, notebook_run_in_lab

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(CHROMIUM is None, reason='no chromium: `apt-get install chromium` (or set RONAS_CHROMIUM)')]


@contextmanager
def lab_page(tmp:Path, notebook:str):
    "The page of `notebook_run_in_lab`; what goes wrong in JupyterLab fails the test with its message"
    try:
        with notebook_run_in_lab(tmp, notebook) as page: yield page
    except LabError as e: pytest.fail(str(e), pytrace=False)


def test_inspector_in_jupyterlab():
    sync_api = pytest.importorskip('playwright.sync_api', reason='no playwright: `pip install playwright` (no browser download)')
    pytest.importorskip('jupyterlab', reason='no jupyterlab')
    shots = Path(os.environ.get('RONAS_SCREENSHOT_DIR') or tempfile.mkdtemp(prefix='ronas_shots_'))
    shots.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix='ronas_lab_') as d:
        tmp = Path(d)
        # a copy shaped like the repository, so the notebook's last cell (nbdev_export) writes into the copy
        (tmp/'nbs').mkdir(); shutil.copy(NOTEBOOK, tmp/'nbs'); shutil.copy(REPO/'settings.ini', tmp)
        t0 = time.time()
        with lab_page(tmp, '08_viz.ipynb') as page:
            inspectors = page.locator('.ronas-inspector')
            assert inspectors.count() == 2, 'the notebook shows two inspectors: the toy run and the followed one'
            insp = inspectors.first
            readout, info = insp.locator('.rn-episode .widget-readout'), insp.locator('.rn-info')
            assert readout.inner_text().strip() == '12'
            assert 'episode 12' in info.inner_text()
            assert insp.locator('.rn-bars .seg.chosen').count() == 69           # one outlined choice per decision
            assert insp.locator('.rn-drawing img, img.rn-drawing').count() == 1
            src0 = insp.locator('img.rn-drawing').get_attribute('src')
            # the slider follows the keyboard, and the panel follows the slider
            insp.locator('.rn-episode .noUi-handle').focus()
            for _ in range(3): page.keyboard.press('ArrowLeft')
            sync_api.expect(readout).to_have_text('9', timeout=20_000)
            sync_api.expect(info).to_contain_text('episode 9', timeout=20_000)
            sync_api.expect(insp.locator('img.rn-drawing')).not_to_have_attribute('src', src0, timeout=20_000)
            # the child selector: pick the third-best sample (options: best, most probable, trained, then by reward)
            select = insp.locator('.rn-child select')
            label = select.locator('option').nth(5).text_content()
            select.select_option(index=5)
            m = re.search(r'reward\s+(\d\.\d{3})', label or '')
            assert m, f'option 5 of the child selector is {label!r}'
            sync_api.expect(info).to_contain_text(f'reward {m.group(1)}', timeout=20_000)
            # the second inspector followed a toy search to its 6th episode
            assert inspectors.nth(1).locator('.rn-episode .widget-readout').inner_text().strip() == '5'
            insp.scroll_into_view_if_needed()
            insp.screenshot(path=str(shots/'inspector.png'))
            page.screenshot(path=str(shots/'jupyterlab.png'))
            print(f'\nscreenshots: {shots/"inspector.png"}, {shots/"jupyterlab.png"} ({time.time() - t0:.0f} s)')
