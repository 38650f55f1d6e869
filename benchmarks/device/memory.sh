#!/bin/bash
# Run from the repository root (see sweep.sh for .whl/).
# Issue 14: memory with the narenas:4 default now set by the CLI, 5M at 8/16 cores and 20M at 16 cores.
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl && export PYTHONPATH=/tmp/site:$PWD || exit 9
export PYTHONUNBUFFERED=1
D=/tmp/data; mkdir -p $D
python3 benchmarks/make_logs.py 1000000 $D/l1.jsonl > /dev/null 2>&1
python3 benchmarks/make_logs.py 1000000 $D/f1.jsonl --features 16 --reference-csv $D/ref.csv 50000 > /dev/null 2>&1
M='from mlmon.cli import main; main()'
python3 -c "$M" reference build $D/ref.csv -o $D/ref.json --proba-cols p_A,p_B,p_C,p_D --features brightness,contrast,width,height,exposure_ms,iso,temperature_c,aspect_ratio,f_norm,f_lognorm,f_uniform,f_count,f_flag,f_score,f_ratio,f_region > /dev/null
for i in 1 2 3 4 5; do cat $D/l1.jsonl; done > $D/l5.jsonl
for rep in 1 2; do for c in 8 16; do
  POLARS_MAX_THREADS=$c taskset -c 0-$((c-1)) /usr/bin/time -f "5M report $c cores rep$rep: %e s %M KB" python3 -c "$M" report --format json $D/l5.jsonl > /dev/null
done; done
for i in 1 2 3 4; do cat $D/l5.jsonl; done > $D/l20.jsonl; rm $D/l5.jsonl
timeout 40 /usr/bin/time -f "20M report 16 cores: %e s %M KB" python3 -c "$M" report --format json $D/l20.jsonl > /dev/null; rm $D/l20.jsonl
for i in $(seq 20); do cat $D/f1.jsonl; done > $D/f20.jsonl
timeout 60 /usr/bin/time -f "20M drift 16 features 1h 16 cores: %e s %M KB" python3 -c "$M" drift --reference $D/ref.json --window 1h --format json $D/f20.jsonl > /dev/null
