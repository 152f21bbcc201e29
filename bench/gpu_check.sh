#!/usr/bin/env bash
# The GPU checks in one script, for a machine with one CUDA GPU and torch + torchvision (no Qt needed):
#   1. the engine's training of LeNet-5 on MNIST (accuracy, samples/s, bf16 autocast on and off)
#   2. bench/train_speed.py --device cuda against the plain PyTorch tutorial script
#   3. a forced out-of-memory (one huge batch on VGG-16 at 3×224×224, ~3x the GPU memory) ending in the trainer's message
#   4. a 1-GPU torchrun smoke run of `main.py train --distributed`
# Each step has its own time limit; the whole script stays under 8 minutes.
#
#   bench/gpu_check.sh DATA_DIR [--device cpu]
#
# DATA_DIR holds MNIST in torchvision's layout (DATA_DIR/MNIST/raw/...), e.g. an MNIST-10k folder.
# --device cpu is a dry run of the same steps on the CPU (fewer epochs, no out-of-memory step:
# it would exhaust the machine's RAM instead of a GPU's memory). PYTHON picks the interpreter.
set -uo pipefail
cd "$(dirname "$0")/.."
DATA=${1:?usage: bench/gpu_check.sh DATA_DIR [--device cpu]}
DEVICE=cuda
if [[ "${2:-}" == "--device" ]]; then DEVICE=${3:?--device needs a value}; fi
PY=${PYTHON:-python}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
if [[ "$DEVICE" == cpu ]]; then EPOCHS="--epochs 1 --min-acc 0.85"; SPEED="--epochs 1 --repeats 1"
else EPOCHS="--epochs 10 --min-acc 0.97"; SPEED="--epochs 5 --repeats 3"; fi
FAILED=()

step() {  # step NAME SECONDS COMMAND...
  local name=$1 limit=$2 t=$SECONDS rc
  shift 2
  echo
  echo "== $name (limit ${limit} s)"
  timeout "$limit" "$@"
  rc=$?
  echo "-- $name: exit $rc after $((SECONDS - t)) s"
  if [[ $rc -ne 0 ]]; then FAILED+=("$name"); fi
}

echo "== environment"
$PY - <<'EOF'
import platform, torch, torchvision
print(f"python {platform.python_version()}, torch {torch.__version__}, torchvision {torchvision.__version__}, "
      f"CUDA {torch.version.cuda}, GPU available: {torch.cuda.is_available()}")
if torch.cuda.is_available():
    p = torch.cuda.get_device_properties(0)
    print(f"GPU 0: {p.name}, {p.total_memory / 2**30:.0f} GiB, bf16 supported: {torch.cuda.is_bf16_supported()}, "
          f"{torch.cuda.device_count()} visible")
try:
    import PySide6  # noqa: F401
    print("Qt (PySide6) importable: yes (not needed by these checks)")
except ImportError:
    print("Qt (PySide6) importable: no (not needed by these checks)")
EOF
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader

# shellcheck disable=SC2086
step "1. engine training, LeNet-5 on MNIST, bf16 on and off" 130 \
  $PY bench/gpu_check.py amp "$DATA" --device "$DEVICE" $EPOCHS
# shellcheck disable=SC2086
step "2. train_speed against the tutorial peer" 160 $PY bench/train_speed.py "$DATA" --device "$DEVICE" $SPEED
if [[ "$DEVICE" == cpu ]]; then
  echo; echo "== 3. forced out-of-memory: skipped on the CPU (tests/engine/test_training.py checks the message)"
else
  step "3. forced out-of-memory, VGG-16 at 224x224" 90 $PY bench/gpu_check.py oom --device "$DEVICE"
fi
step "4. torchrun smoke run, 1 process" 90 $PY -m torch.distributed.run --standalone --nproc_per_node 1 \
  main.py train --template lenet5 --dataset mnist --data-dir "$DATA" --epochs 1 --device "$DEVICE" \
  --distributed --out "$TMP/smoke.nwproj"
if [[ ! -f "$TMP/smoke.nwproj" ]]; then FAILED+=("4. torchrun wrote no project"); fi

echo
echo "== done in $SECONDS s on $DEVICE"
if [[ ${#FAILED[@]} -gt 0 ]]; then
  printf 'FAILED: %s\n' "${FAILED[@]}"
  exit 1
fi
echo "all checks passed"
