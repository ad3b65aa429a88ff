#!/usr/bin/env bash
# Ship a trained model folder as the bundled model (seine_lite/weights/reference), and write again
# everything that shows it: its held-out evals, its card and the README block, the recorded
# transition of tests/test_structure.py, the demo's pictures in docs/, and the notebooks that
# sample from it. Needs the photo bank (`make photos`) for the real-footage eval.
#
#   scripts/ship_bundled.sh models/real1 [runs/real1_leg3/loss.png]
#
# About 25 minutes on 2 cores, most of it the two evals and the notebooks. The model folder's
# seine_lite.json must hold `wall_minutes_total` (the card reads it). Check the result with
# `make test` and rewrite the README's shot-by-shot text from docs/demo_strip.png by hand.
set -euo pipefail
cd "$(dirname "$0")/.."
src=${1:?usage: scripts/ship_bundled.sh MODEL_FOLDER [LOSS_PNG]}
loss=${2:-}
BIN=${BIN:-.venv/bin}
dst=seine_lite/weights/reference
export HF_HUB_OFFLINE=1 TOKENIZERS_PARALLELISM=false
for f in seine_lite.json unet/config.json vae/config.json; do
  [[ -f "$src/$f" ]] || { echo "ship_bundled: $src/$f not found" >&2; exit 2; }
done
"$BIN/python" -c "import json,sys; m=json.load(open('$src/seine_lite.json')); sys.exit(0 if 'wall_minutes_total' in m else 1)" \
  || { echo "ship_bundled: $src/seine_lite.json has no wall_minutes_total" >&2; exit 2; }
[[ -d "${SEINE_LITE_BANK:-data/bank}" ]] \
  || { echo "ship_bundled: no photo bank: run make photos" >&2; exit 2; }
[[ -z "$loss" || -f "$loss" ]] || { echo "ship_bundled: $loss not found" >&2; exit 2; }

echo "== the weights"
tmp=$(mktemp -d "$dst.new.XXXX")
trap 'rm -rf "$tmp"' EXIT                 # a copy that fails half way leaves nothing behind
cp -r "$src/unet" "$src/vae" "$src/seine_lite.json" "$tmp/"
[[ -n "$loss" ]] && cp "$loss" "$tmp/loss.png"
[[ -z "$loss" && -f "$dst/loss.png" ]] && echo "ship_bundled: keeping no loss.png (none given)" >&2
chmod -R u+rwX,go+rX "$tmp"
rm -rf "$dst.old" && mv "$dst" "$dst.old" && mv "$tmp" "$dst" && rm -rf "$dst.old" build/

echo "== held-out evals (shapes, then real footage)"
"$BIN/seine-lite" eval --out "$dst" --no-progress
real=$(mktemp -d)
"$BIN/seine-lite" eval --real --no-shapes --out "$real" --no-progress
cp "$real/eval.json" "$dst/eval_real.json" && rm -rf "$real"

echo "== card, README block, recorded transition"
"$BIN/python" scripts/model_card.py
OMP_NUM_THREADS=1 "$BIN/python" - <<'EOF'
import numpy as np
import torch
from seine_lite import SeinePipeline
from seine_lite.data import make_shapes_clips
torch.set_num_threads(1)
pipe = SeinePipeline.from_pretrained()
pipe.set_progress_bar_config(disable=True)
clips, _ = make_shapes_clips(2, seed=7, split="heldout")
video = pipe.transition(clips[0][0], clips[1][-1], prompt="a transition", seed=3, num_inference_steps=8)
np.savez_compressed("tests/data/bundled_transition.npz", video=video)
print("wrote tests/data/bundled_transition.npz")
EOF

echo "== the demo's pictures"
make demo
cp outputs/compare.png outputs/demo_strip.png docs/

echo "== notebooks that sample from the bundled model"
for nb in 00 02 04 05 07 08 10; do
  path=$(ls notebooks/${nb}_*.ipynb)
  "$BIN/jupytext" --sync "$path" >/dev/null
  OMP_NUM_THREADS=1 "$BIN/jupyter" nbconvert --to notebook --execute --inplace "$path"
done
echo "shipped $src; now: make test, and the README's shot-by-shot text"
