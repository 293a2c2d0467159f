"""The viz notebook in JupyterLab, in a real (headless) browser: run all cells, find the inspector, move its slider.

Needs Debian's `chromium` (or `RONAS_CHROMIUM=/path/to/chrome`) and the `playwright` Python package; no browser is
downloaded. Screenshots go to `$RONAS_SCREENSHOT_DIR` (default: a temporary folder, printed). Run with
`pytest tests/test_viz_browser.py` (about a minute), or through the `slow` cell of nbs/08_viz.ipynb.
"""
import json, os, re, secrets, shutil, signal, socket, subprocess, sys, tempfile, time, urllib.request
from contextlib import contextmanager
from pathlib import Path
import pytest

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK = REPO/'nbs'/'08_viz.ipynb'
CHROMIUM = next((p for p in (os.environ.get('RONAS_CHROMIUM'), shutil.which('chromium'), shutil.which('chromium-browser'))
                 if p and Path(p).is_file()), None)
CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
                 '--disable-component-update', '--disable-sync',
                 '--disable-dev-shm-usage']   # containers often have a tiny /dev/shm
# JupyterLab settings for a quiet, deterministic page: start the kernel without asking, no news or update checks,
# every cell in the DOM (no virtual scrolling)
LAB_SETTINGS = {'@jupyterlab/notebook-extension/tracker.jupyterlab-settings': {'autoStartDefaultKernel': True, 'windowingMode': 'none'},
                '@jupyterlab/apputils-extension/notification.jupyterlab-settings': {'fetchNews': 'false', 'checkForUpdates': False}}

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(CHROMIUM is None, reason='no chromium: `apt-get install chromium` (or set RONAS_CHROMIUM)')]


def free_port()->int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0)); return s.getsockname()[1]


def lab_env(tmp:Path)->dict:
    "Environment of the server and its kernels: private settings, workspaces and runtime folders"
    for name, value in LAB_SETTINGS.items():
        (tmp/'settings'/name).parent.mkdir(parents=True, exist_ok=True)
        (tmp/'settings'/name).write_text(json.dumps(value))
    return {**os.environ, 'JUPYTERLAB_SETTINGS_DIR': str(tmp/'settings'), 'JUPYTERLAB_WORKSPACES_DIR': str(tmp/'workspaces'),
            'JUPYTER_RUNTIME_DIR': str(tmp/'runtime'), 'RONAS_IN_BROWSER_TEST': '1', 'OMP_NUM_THREADS': '1'}


def wait_for_server(url:str, proc, log:Path, timeout:float=90):
    t0 = time.time()
    while time.time() - t0 < timeout:
        if proc.poll() is not None: pytest.fail(f'jupyter lab exited with {proc.returncode}:\n{log.read_text()[-3000:]}')
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200: return
        except OSError: time.sleep(0.3)
    pytest.fail(f'jupyter lab did not answer in {timeout} s:\n{log.read_text()[-3000:]}')


def stop_server(proc, base:str, token:str):
    "Ask the server to shut down (it stops its kernels), then end its process group"
    try: urllib.request.urlopen(urllib.request.Request(f'{base}/api/shutdown', method='POST',
                                                       headers={'Authorization': f'token {token}'}), timeout=5)
    except OSError: pass
    try: proc.wait(15)
    except subprocess.TimeoutExpired: pass
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try: os.killpg(proc.pid, sig)
        except ProcessLookupError: break
        try: proc.wait(5); break
        except subprocess.TimeoutExpired: pass


def run_all_cells(page, tries:int=4, wait:float=20):
    "Run > Run All Cells, again while the first cell has not started: a click while the kernel still connects can be lost"
    prompt = page.locator('.jp-CodeCell .jp-InputPrompt').first
    for _ in range(tries):
        page.locator('.lm-MenuBar-itemLabel', has_text=re.compile(r'^Run$')).click()
        page.locator('.lm-Menu-itemLabel', has_text=re.compile(r'^Run All Cells$')).click()
        t0 = time.time()
        while time.time() - t0 < wait:
            if prompt.inner_text().strip() not in ('[ ]:', ''): return
            time.sleep(0.3)
    pytest.fail(f'the first cell did not start after {tries} clicks on Run All Cells')


def wait_until_done(page, timeout:float=300):
    "Wait until every code cell has run: all prompts numbered, none busy"
    t0 = time.time()
    while time.time() - t0 < timeout:
        prompts = page.locator('.jp-CodeCell .jp-InputPrompt').all_inner_texts()
        if prompts and all(re.fullmatch(r'\[\d+\]:', p.strip()) for p in prompts): return
        time.sleep(0.5)
    pytest.fail(f'cells still running after {timeout} s: {prompts}')


@contextmanager
def notebook_run_in_lab(tmp:Path, notebook:str, viewport=None):
    """JupyterLab serving `tmp/nbs` on loopback (a token, private settings) and a headless chromium page of `notebook`
    with all its cells run and none failed; the server and its kernels are stopped afterwards"""
    from playwright import sync_api
    port, token = free_port(), secrets.token_hex(16)
    base, log = f'http://127.0.0.1:{port}', tmp/'lab.log'
    with open(log, 'w') as out:
        proc = subprocess.Popen([sys.executable, '-m', 'jupyterlab', '--no-browser', '--ip=127.0.0.1', f'--port={port}',
                                 '--ServerApp.port_retries=0', f'--IdentityProvider.token={token}',
                                 f'--ServerApp.root_dir={tmp/"nbs"}', '--LabApp.news_url=', '--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate']
                                + ['--allow-root'] * (os.geteuid() == 0),   # containers and CI often run as root
                                cwd=tmp, env=lab_env(tmp), stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_for_server(f'{base}/api/status?token={token}', proc, log)
        with sync_api.sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            try:
                page = browser.new_page(viewport=viewport or {'width': 1500, 'height': 1100})
                page.set_default_timeout(60_000)
                page.goto(f'{base}/lab/tree/{notebook}?token={token}')
                page.wait_for_selector('.jp-NotebookPanel .jp-Cell', timeout=120_000)
                page.wait_for_selector('.jp-NotebookPanel-toolbar .jp-Toolbar-kernelName:has-text("Python")', timeout=60_000)
                run_all_cells(page)
                wait_until_done(page)
                errors = [t for t in page.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]').all_inner_texts()
                          if 'Traceback' in t or 'Error' in t]
                assert not errors, f'cells failed in JupyterLab:\n{errors[0][-3000:]}'
                yield page
            finally: browser.close()
    finally: stop_server(proc, base, token)
    assert proc.poll() is not None


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
        with notebook_run_in_lab(tmp, '08_viz.ipynb') as page:
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
