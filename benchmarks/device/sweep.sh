#!/bin/bash
# Run from the repository root on a 16-core machine without a package index. Setup (here, once):
#   .whl/  the polars wheels (pip download polars==2.1.0 polars-runtime-32==2.1.0 for the target Python)
#   .base/ the baseline: git archive bf222a9 mlmon | tar -x -C .base   (bench_report.py --baseline .base)
# Issue 14 device run: core sweep (1M, 5M), 20M memory at 16 cores, instrument overhead on a quiet machine.
set -o pipefail
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl && export PYTHONPATH=/tmp/site:$PWD || exit 9
export PYTHONUNBUFFERED=1
B=benchmarks/bench_report.py
D=/tmp/data
echo "== sweep 1M"; timeout 170 python3 $B --cores 2,4,8,16 --sizes 1000000 --repeats 3 --baseline .base --drift-features --data-dir $D --json $OUT/sweep1m.json 2>&1 | tee $OUT/sweep1m.txt
echo "== 20M memory, 16 cores"
for i in $(seq 20); do cat $D/logs_1000000.jsonl; done > $D/c20.jsonl
for i in $(seq 20); do cat $D/features16_1000000.jsonl; done > $D/f20.jsonl
M='from mlmon.cli import main; main()'
timeout 80 /usr/bin/time -f "20M report 16 cores: %e s %M KB" python3 -c "$M" report --format json $D/c20.jsonl > $OUT/r20.json 2>> $OUT/mem20.txt
timeout 60 /usr/bin/time -f "20M baseline report 16 cores: %e s %M KB" python3 -c "import sys; sys.path.insert(0, '.base'); $M" report --format json $D/c20.jsonl > /dev/null 2>> $OUT/mem20.txt
timeout 110 /usr/bin/time -f "20M drift 16 features 1h windows 16 cores: %e s %M KB" python3 -c "$M" drift --reference $D/features16_1000000.ref_50000.json --window 1h --format json $D/f20.jsonl > $OUT/d20.json 2>> $OUT/mem20.txt
cat $OUT/mem20.txt
python3 -c "import json; d=json.load(open('$OUT/r20.json')); print('r20', d['records'], d['latency'])"
rm -f $D/c20.jsonl $D/f20.jsonl
echo "== sweep 5M"; timeout 150 python3 $B --cores 2,4,8,16 --sizes 5000000 --concat --repeats 2 --data-dir $D --json $OUT/sweep5m.json 2>&1 | tee $OUT/sweep5m.txt
echo "== instrument overhead (quiet machine)"; timeout 45 python3 benchmarks/bench_instrument.py --cpu 2>&1 | tee $OUT/instrument.txt
