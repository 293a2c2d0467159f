#!/usr/bin/env bash
# The whole device check in one command, for a lent GPU machine: the GPU benchmarks, a real search
# at MSD heart's size, the `cuda` and `slow` notebook cells, and the demo through the real command
# line on CUDA. Figures and logs go to $OUT (or benchmarks/results/). Every part has a time cap and
# the whole run a deadline (GPU_CHECK_SECONDS, default 480), most valuable part first, so a run cut
# short keeps what it measured.
#
# The GPU machines have PyTorch but none of nibabel, MONAI, nbdev and its pins, and reach no package
# index: carry their wheels in .whl/ (see benchmarks/README.md); they are installed here first.
set -uo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-benchmarks/results}; mkdir -p "$out"
export PYTHONUNBUFFERED=1 MPLBACKEND=Agg
if compgen -G ".whl/*.whl" >/dev/null; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl || exit 1
  export PYTHONPATH=/tmp/site PATH=/tmp/site/bin:$PATH
fi
export PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH}   # the checkout's ronas_nb, not installed
t0=$(date +%s); deadline=$(( t0 + ${GPU_CHECK_SECONDS:-480} ))
name=$(python3 -c "import torch; print(torch.cuda.get_device_name(0).replace(' ', '_') if torch.cuda.is_available() else 'cpu')")
log="$out/gpu_check_$name.log"
{ echo "gpu_check on $name, $(date -u +%FT%TZ)"; nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>&1
  python3 -c "import torch, numpy; print('torch', torch.__version__, 'cuda', torch.version.cuda, 'cudnn', torch.backends.cudnn.version(), 'numpy', numpy.__version__)"; } | tee "$log"

part() {   # part NAME CAP_SECONDS COMMAND...: run under min(cap, time left), log it, note its status
  local label=$1 cap=$2; shift 2
  local left=$(( deadline - $(date +%s) )); (( cap > left )) && cap=$left
  if (( cap < 20 )); then echo "== $label: SKIPPED, no time left" | tee -a "$log"; return; fi
  echo "== $label (cap $cap s) after $(( $(date +%s) - t0 )) s" | tee -a "$log"
  timeout "$cap" "$@" 2>&1 | tee -a "$log"
  echo "== $label: rc=${PIPESTATUS[0]} after $(( $(date +%s) - t0 )) s" | tee -a "$log"
}
# the heart-sized task for part 2 is written on the CPU while part 1 measures on the GPU
heart=/tmp/heart_110x320x320
python3 -c "from ronas_nb.synthetic import make_synthetic_task as m; m('heart', '$heart', cases=20, seed=0, shape=(110, 320, 320))" \
  > "$out/heart_data.log" 2>&1 &
data_pid=$!

part "1. bench_scale --gpu-suite" 200 python3 benchmarks/bench_scale.py --gpu-suite --repeats 3 --results "$out"
wait $data_pid; cat "$out/heart_data.log" >> "$log"
part "2. bench_search, heart size, bf16" 150 python3 benchmarks/bench_search.py --device cuda --data "$heart" --episodes 3 --out "$out/search_$name.json"
part "3. notebooks, cuda and slow cells" 180 nbdev_test --flags "cuda slow" --n_workers 8 --timing
part "4. demo on CUDA through the command line" 90 bash -c 'cd /tmp && rm -rf data runs && python3 -m ronas_nb.cli search --device cuda --quiet \
  && python3 -m ronas_nb.cli evaluate --run runs/demo --device cuda 2>&1 | tail -5'
part "5. bench_supernet" 45 python3 benchmarks/bench_supernet.py --device cuda --patch 64 160 160 --repeats 5
part "6. bench_memory --quick" 45 python3 benchmarks/bench_memory.py --device cuda --quick --json "$out/memory_$name.json"
part "7. bench_inference_memory --quick" 45 python3 benchmarks/bench_inference_memory.py --device cuda --quick --json "$out/inference_memory_$name.json"
echo "gpu_check: $(( $(date +%s) - t0 )) s in all" | tee -a "$log"
