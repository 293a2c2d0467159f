"""JupyterLab in a headless chromium, for a test or a tool: a private server on loopback (a token, isolated settings
folders), a page of one notebook with all its cells run, and the server and its kernels stopped afterwards.

Used by `tests/test_viz_browser.py` and `tools/readme_images.py`. Needs Debian's `chromium` (or
`RONAS_CHROMIUM=/path/to/chrome`), `jupyterlab` and the `playwright` Python package; no browser is downloaded.
A failure raises `LabError`, which the test turns into a test failure and the tool into one line.
"""
import json, os, re, secrets, shutil, signal, socket, subprocess, sys, time, urllib.request
from contextlib import contextmanager
from pathlib import Path

class LabError(RuntimeError):
    "JupyterLab or the page did not do what was asked: the server did not start, a cell failed or never ran"

CHROMIUM = next((p for p in (os.environ.get('RONAS_CHROMIUM'), shutil.which('chromium'), shutil.which('chromium-browser'))
                 if p and Path(p).is_file()), None)
CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
                 '--disable-component-update', '--disable-sync',
                 '--disable-dev-shm-usage']   # containers often have a tiny /dev/shm
# JupyterLab settings for a quiet, deterministic page: start the kernel without asking, no news or update checks,
# every cell in the DOM (no virtual scrolling)
LAB_SETTINGS = {'@jupyterlab/notebook-extension/tracker.jupyterlab-settings': {'autoStartDefaultKernel': True, 'windowingMode': 'none'},
                '@jupyterlab/apputils-extension/notification.jupyterlab-settings': {'fetchNews': 'false', 'checkForUpdates': False}}


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
        if proc.poll() is not None: raise LabError(f'jupyter lab exited with {proc.returncode}:\n{log.read_text()[-3000:]}')
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200: return
        except OSError: time.sleep(0.3)
    raise LabError(f'jupyter lab did not answer in {timeout} s:\n{log.read_text()[-3000:]}')


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
    raise LabError(f'the first cell did not start after {tries} clicks on Run All Cells')


def wait_until_done(page, timeout:float=300):
    "Wait until every code cell has run: all prompts numbered, none busy"
    t0 = time.time()
    while time.time() - t0 < timeout:
        prompts = page.locator('.jp-CodeCell .jp-InputPrompt').all_inner_texts()
        if prompts and all(re.fullmatch(r'\[\d+\]:', p.strip()) for p in prompts): return
        time.sleep(0.5)
    raise LabError(f'cells still running after {timeout} s: {prompts}')


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
                if errors: raise LabError(f'cells failed in JupyterLab:\n{errors[0][-3000:]}')
                yield page
            finally: browser.close()
    finally: stop_server(proc, base, token)
    if proc.poll() is None: raise LabError(f'jupyter lab (pid {proc.pid}) still running after shutdown')
