"The source distribution: the notebooks the package is written in, CONTRIBUTING.md, and the development status settings.ini means"
import subprocess, sys, tarfile
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parent.parent

def test_sdist(tmp_path):
    pytest.importorskip('build')
    r = subprocess.run([sys.executable, '-m', 'build', '--sdist', '--no-isolation', '--outdir', str(tmp_path)], cwd=ROOT,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    assert 'CONTRIBUTING.md' not in (r.stdout + r.stderr).replace('copying CONTRIBUTING.md', ''), 'a warning about CONTRIBUTING.md'
    sdist, = tmp_path.glob('ronas_nb-*.tar.gz')
    with tarfile.open(sdist) as t:
        names = {n.split('/', 1)[1] for n in t.getnames() if '/' in n}
        pkg_info = t.extractfile(next(n for n in t.getnames() if n.endswith('/PKG-INFO') and n.count('/') == 1)).read().decode()
    tracked = subprocess.run(['git', 'ls-files', 'nbs'], cwd=ROOT, capture_output=True, text=True).stdout.split()
    assert tracked and set(tracked) <= names, sorted(set(tracked) - names)[:5]
    assert 'CONTRIBUTING.md' in names
    assert 'Classifier: Development Status :: 3 - Alpha' in pkg_info
