#!/usr/bin/env bash
# Build a zoo of third-party MNIST models (issue #25): ONNX files exported without DigitCanvas metadata
# by PyTorch, Keras 3, tf.keras 2, scikit-learn and JAX/Flax, each trained in a known pixel convention.
#
#   lab/evaluate/build_zoo.sh [VARIANT [SEED [ZOO]]]
#   lab/evaluate/build_zoo.sh A        # the first (development) zoo into runs/zoo,  seed 2026
#   lab/evaluate/build_zoo.sh B        # the second (held-out) zoo into runs/zoo2,   seed 4242
#   lab/evaluate/build_zoo.sh C        # the third (32 x 32 models only) into runs/zoo3, seed 777:
#                                      # STEPS="torch keras3 check" (the other builders have no C recipes)
#
# VARIANT: A (the default), B or C, the builders' --variant (see lab/evaluate/zoo_common.py); SEED: their
# --seed (default 2026 for A, 4242 for B, 777 for C, as the zoos of issue #25 were built); ZOO: the output
# folder (default runs/zoo for A, runs/zoo2 for B, runs/zoo3 for C). Writes ZOO/models/*.onnx, ZOO/manifest.json (what each model
# is and was trained with, then onnxruntime's view of it), ZOO/check.md (lab.evaluate.zoo_check's table)
# and ZOO/logs/ (each step's output; build.log with /usr/bin/time figures per step). Rebuilt models replace
# their manifest entries. Relative paths are taken from the repository root, where the script runs.
# Trains some 50-60 small models on the CPU: the first zoo took 1,849 s wall on two shared cores.
#
# Environment (each may be overridden; the defaults assume the layout the README uses):
#   DATA    MNIST IDX files                                      default ../shared/data/mnist
#   PY      Python of the project's environment (pip install -e ".[lab]": torch, onnx, onnxruntime)
#                                                                default python3
#   ENVS    folder holding venv-tf and venv-jax                  default runs/zoo-envs
#   TF_PY   Python with TensorFlow, Keras, tf-keras, tf2onnx, scikit-learn, skl2onnx
#                                                                default $ENVS/venv-tf/bin/python
#   JAX_PY  Python with JAX, Flax, optax, jax2onnx               default $ENVS/venv-jax/bin/python
#   STEPS   which steps to run, in order                         default "torch keras3 tf-keras2 sklearn jax check"
# TensorFlow, JAX and scikit-learn are no dependencies of this project: they live in build-only environments
# (the zoos of issue #25 were built with the versions named here; the builders import only numpy and
# DigitCanvas's MNIST reader from the repository, through PYTHONPATH):
#   python3 -m venv $ENVS/venv-tf && $ENVS/venv-tf/bin/pip install tensorflow==2.21.0 keras==3.15.1 \
#       tf-keras==2.21.0 tf2onnx==1.17.0 scikit-learn==1.9.1 skl2onnx==1.20.0 onnxruntime onnx
#   python3 -m venv $ENVS/venv-jax && $ENVS/venv-jax/bin/pip install jax==0.10.2 flax==0.12.8 optax==0.2.8 \
#       jax2onnx==0.17.1 onnxruntime onnx
set -euo pipefail

VARIANT=${1:-${VARIANT:-A}}
case "$VARIANT" in
  A) default_seed=2026 default_zoo=runs/zoo ;;
  B) default_seed=4242 default_zoo=runs/zoo2 ;;
  C) default_seed=777 default_zoo=runs/zoo3 ;;
  *) echo "error: VARIANT is A, B or C, not '$VARIANT'" >&2; exit 2 ;;
esac
SEED=${2:-${SEED:-$default_seed}}
ZOO=${3:-${ZOO:-$default_zoo}}
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$REPO"
DATA=${DATA:-../shared/data/mnist}
PY=${PY:-python3}
ENVS=${ENVS:-runs/zoo-envs}
TF_PY=${TF_PY:-$ENVS/venv-tf/bin/python}
JAX_PY=${JAX_PY:-$ENVS/venv-jax/bin/python}
STEPS=${STEPS:-torch keras3 tf-keras2 sklearn jax check}

mkdir -p "$ZOO/models" "$ZOO/logs"
args=(--data "$DATA" --out "$ZOO/models" --manifest "$ZOO/manifest.json" --variant "$VARIANT" --seed "$SEED")
# One step, timed: its output to logs/NAME.log (check: its table to check.md), its time to logs/build.log.
timed() {
  local name=$1; shift
  /usr/bin/time -o "$ZOO/logs/$name.time" -f "$name: %e s wall, %U s user, %S s sys, %M KiB max RSS" nice -n 10 "$@"
}
step() {
  local name=$1 table=$2; shift 2
  local log="$ZOO/logs/$name.log"
  echo "== $name $(date -u +%FT%TZ)" | tee -a "$ZOO/logs/build.log"
  if [[ -n $table ]]; then
    timed "$name" "$@" > "$table" 2> "$log"
  else
    timed "$name" "$@" > "$log" 2>&1
  fi || { echo "error: step $name failed (exit $?): see $log" >&2; exit 1; }
  tee -a "$ZOO/logs/build.log" < "$ZOO/logs/$name.time"
}
started=$(date +%s)
echo "== variant $VARIANT, seed $SEED, into $ZOO, MNIST from $DATA" | tee -a "$ZOO/logs/build.log"
for name in $STEPS; do
  case "$name" in
    torch) step torch "" "$PY" -m lab.evaluate.model_zoo "${args[@]}" ;;
    keras3) step keras3 "" env PYTHONPATH="$REPO" "$TF_PY" -m lab.evaluate.keras_zoo "${args[@]}" ;;
    tf-keras2) step tf-keras2 "" env PYTHONPATH="$REPO" "$TF_PY" -m lab.evaluate.keras_zoo "${args[@]}" --tf-keras ;;
    sklearn) step sklearn "" env PYTHONPATH="$REPO" "$TF_PY" -m lab.evaluate.sklearn_zoo "${args[@]}" ;;
    jax) step jax "" env PYTHONPATH="$REPO" "$JAX_PY" -m lab.evaluate.jax_zoo "${args[@]}" ;;
    # onnxruntime's view (signatures, opsets, accuracy fed the same way), in the project's environment.
    check) step check "$ZOO/check.md" "$PY" -m lab.evaluate.zoo_check --data "$DATA" --manifest "$ZOO/manifest.json" ;;
    *) echo "error: unknown step '$name' (steps: torch keras3 tf-keras2 sklearn jax check)" >&2; exit 2 ;;
  esac
done
echo "total $(( $(date +%s) - started )) s wall" | tee -a "$ZOO/logs/build.log"
