#!/usr/bin/env bash
# One command for a lent GPU machine (target: under 8 minutes on one H100): the `cuda` and `slow`
# notebook cells, then the GPU benchmarks, figures written to $OUT (or benchmarks/results/).
# The GPU machine has PyTorch but may lack the other requirements and reach no package index:
# carry wheels and install them first (see benchmarks/README.md, "On a lent GPU machine").
set -uo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-benchmarks/results}; mkdir -p "$out"
export PYTHONUNBUFFERED=1
name=$(python3 -c "import torch; print(torch.cuda.get_device_name(0).replace(' ', '_') if torch.cuda.is_available() else 'cpu')")
echo "gpu_check on $name, $(date -u +%FT%TZ)" | tee "$out/gpu_check_$name.log"
t0=$(date +%s)
# 1. the GPU and slow cells of every notebook (one worker: they share one GPU)
timeout 300 nbdev_test --flags "cuda slow" --n_workers 1 --timing 2>&1 | tee -a "$out/gpu_check_$name.log"
echo "notebooks: rc=${PIPESTATUS[0]} after $(( $(date +%s) - t0 )) s" | tee -a "$out/gpu_check_$name.log"
# 2. the benchmarks on the GPU
python3 benchmarks/bench_supernet.py --device cuda --patch 64 160 160 --repeats 5 2>&1 | tee -a "$out/gpu_check_$name.log"
python3 benchmarks/bench_memory.py --device cuda --quick --json "$out/memory_$name.json" 2>&1 | tee -a "$out/gpu_check_$name.log"
python3 benchmarks/bench_scale.py --gpu-suite --results "$out" 2>&1 | tee -a "$out/gpu_check_$name.log"
echo "gpu_check: $(( $(date +%s) - t0 )) s in all" | tee -a "$out/gpu_check_$name.log"
