"Crash safety of `ronas search`: SIGKILL at chosen and at random points, then resume (nbs/05b_rundir.ipynb, 'Writing whole or not at all')"
import json, os, random, signal, subprocess, sys
from pathlib import Path
import torch
from ronas_nb.cli import main
from ronas_nb.synthetic import make_synthetic_task
from ronas_nb.rundir import load_checkpoint

EPISODES = 6
ARGS = ['--preset', 'demo', '--episodes', str(EPISODES), '--children', '2', '--child-epochs', '1', '--folds', '3',
        '--threads', '1', '--quiet']
RESUME = ['--resume', '--threads', '1', '--quiet']

def ronas(*args, kill_at='', kill_after=None):
    "(exit status, stderr) of `python -m ronas_nb.cli ARGS`; killed by its own hook at `kill_at`, or by us after `kill_after` s"
    p = subprocess.Popen([sys.executable, '-m', 'ronas_nb.cli', *args], env=dict(os.environ, RONAS_TEST_KILL_AT=kill_at),
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try: _, err = p.communicate(timeout=kill_after or 300)
    except subprocess.TimeoutExpired:
        p.send_signal(signal.SIGKILL); _, err = p.communicate()
    return p.returncode, err

def records(path): return [json.loads(l) for l in path.read_text().splitlines()] if path.exists() else []

def consistent(run:Path)->int:
    "Whatever the kill: history.jsonl holds episodes 0..k-1 once each, and the checkpoint loads, holds them, and at most one more"
    hist = records(run / 'history.jsonl')
    assert [h['episode'] for h in hist] == list(range(len(hist)))
    if not (run / 'checkpoint.pt').exists(): assert hist == []; return 0
    ck = load_checkpoint(run / 'checkpoint.pt')                          # never half-written
    assert [h['episode'] for h in ck['history']] == list(range(ck['episode']))
    assert ck['episode'] in (len(hist), len(hist) + 1) and ck['history'][:len(hist)] == hist
    return len(hist)

def test_sigkill_then_resume(tmp_path):
    torch.set_num_threads(1)
    task = make_synthetic_task('heart', tmp_path / 'task', cases=6, seed=1, shape=(16, 32, 32))
    assert main(['search', '--data', str(task), '--out', str(tmp_path / 'ref'), *ARGS]) == 0       # uninterrupted
    ref = records(tmp_path / 'ref' / 'history.jsonl')
    run = tmp_path / 'run'
    # killed during the first child's training: config.json and no checkpoint; resuming starts over
    status, err = ronas('search', '--data', str(task), '--out', str(run), *ARGS, kill_at='train@0')
    assert status == -signal.SIGKILL, err
    assert consistent(run) == 0 and (run / 'config.json').exists()
    assert (run / '.lock').is_file()                                      # the lock file stays; the kernel released its flock
    # during the rewards, half-way through writing the checkpoint, between checkpoint and history
    for kill_at, done in [('reward@1', 1), ('checkpoint.pt@1', 1), ('history.jsonl@2', 2)]:
        status, err = ronas('search', '--out', str(run), *RESUME, kill_at=kill_at)
        assert 'another search' not in err, err                           # a killed search does not lock its run
        assert status == -signal.SIGKILL, (kill_at, err)
        assert consistent(run) == done, kill_at
        if kill_at.startswith('checkpoint'):                              # the half-written file is a temporary
            assert list(run.glob('.checkpoint.pt.*.tmp')) and load_checkpoint(run / 'checkpoint.pt')['episode'] == 1
    assert load_checkpoint(run / 'checkpoint.pt')['episode'] == 3          # written, though history.jsonl was not
    # at random points
    rng = random.Random(0)
    for _ in range(3):
        status, err = ronas('search', '--out', str(run), *RESUME, kill_after=rng.uniform(1.5, 4.5))
        assert status in (0, -signal.SIGKILL), err
        consistent(run)
    status, err = ronas('search', '--out', str(run), *RESUME)
    assert status == 0, err
    hist = records(run / 'history.jsonl')
    assert [h['episode'] for h in hist] == list(range(EPISODES))          # every finished episode exactly once
    assert [h['rewards'] for h in hist] == [h['rewards'] for h in ref]    # and the uninterrupted run's (CPU, same seed)
    assert [h['children'] for h in hist] == [h['children'] for h in ref]
    assert load_checkpoint(run / 'checkpoint.pt')['episode'] == EPISODES
    assert (run / 'model.pt').exists() and not list(run.glob('*.tmp'))
    assert json.loads((run / 'architecture.json').read_text())['code'] == json.loads((tmp_path / 'ref' / 'architecture.json').read_text())['code']
