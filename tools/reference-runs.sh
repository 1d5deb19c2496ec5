#!/usr/bin/env bash
# The reference training runs behind the accuracy targets in the README and the closing notes:
#   1. the seed MLP on the bundled digits, default settings   (target: >= 95% test accuracy)
#   2. the seed MLP on Fashion-MNIST, 10 epochs               (target: >= 88.5%)
#   3. the CNN on Fashion-MNIST, 10 epochs                    (target: >= 91%)
# Each run uses seed 1 and writes its model, metrics.jsonl and a log with the wall time and peak
# memory (GNU time -v) under OUT_DIR (default /tmp/grad4j-reference-runs). Too slow for CI: on 2
# cores they take about 7 s, 1 min and 10 min. Fashion-MNIST comes from Debian's package
# dataset-fashion-mnist (apt-get install -y dataset-fashion-mnist); runs 2 and 3 are skipped,
# saying so, without it. Usage: tools/reference-runs.sh [OUT_DIR] [digits|mlp-fashion|cnn-fashion...]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-/tmp/grad4j-reference-runs}
shift || true
runs=("$@")
[[ ${#runs[@]} -gt 0 ]] || runs=(digits mlp-fashion cnn-fashion)
mkdir -p "$out"

timed() {
  if [[ -x /usr/bin/time ]]; then /usr/bin/time -v "$@"; else "$@"; fi
}

run() {
  local name=$1
  shift
  echo "== $name: grad4j train $*"
  timed "$root/grad4j" train "$@" --seed 1 --out "$out/$name/model.safetensors" \
    >"$out/$name.log" 2>&1 || { echo "$name failed; see $out/$name.log"; return 1; }
  grep -E '^epoch [0-9]+/[0-9]+  train' "$out/$name.log" | tail -n 1
  grep -E 'Elapsed \(wall|Maximum resident' "$out/$name.log" || true
}

for r in "${runs[@]}"; do
  case $r in
    digits) run digits ;;
    mlp-fashion | cnn-fashion)
      if [[ ! -d /usr/share/datasets/fashion-mnist ]]; then
        echo "== $r: skipped, Fashion-MNIST is not installed (apt-get install -y dataset-fashion-mnist)"
        continue
      fi
      run "$r" --model "${r%-fashion}" --data fashion --epochs 10
      ;;
    *)
      echo "unknown run '$r' (expected digits, mlp-fashion or cnn-fashion)" >&2
      exit 2
      ;;
  esac
done
