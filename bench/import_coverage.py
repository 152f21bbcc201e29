"""Which torchvision classification models import exactly: `python main.py import torchvision:NAME --check`
for every model of `torchvision.models.list_models(module=torchvision.models)`.

Each model runs in its own process (memory is returned, a hang is cut off by --timeout) and is
classed as: exact (same parameter count, outputs within 1e-4 of the original's on a random batch
with the same random weights), refused (the ops Netwright cannot express, as the importer names
them), differs, or failed/timeout. Prints a Markdown table and the coverage figure.

    python bench/import_coverage.py [--size 224] [--timeout 900] [--only resnet18,vit_b_16] [--out table.md]

--size overrides the input side (default: each model's own, 224, or 299 for inception_v3).
Big models need minutes and several GB of memory on a CPU.
"""
from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_one(name: str, size: int | None, timeout: float, workdir: Path) -> dict:
    cmd = [sys.executable, str(ROOT / "main.py"), "import", f"torchvision:{name}", "--check",
           "--out", str(workdir / f"{name}.nwproj")]
    if size:
        cmd += ["--input", f"3,{size},{size}"]
    start = time.perf_counter()
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    except subprocess.TimeoutExpired:
        return {"name": name, "result": "timeout", "seconds": timeout, "detail": f"over {timeout:.0f} s"}
    seconds = time.perf_counter() - start
    (workdir / f"{name}.nwproj").unlink(missing_ok=True)
    return {"name": name, "seconds": seconds, **classify(done.returncode, done.stdout, done.stderr)}


def classify(code: int, out: str, err: str) -> dict:
    layers = re.search(r": (\d+) layers in \d+ blocks, ([\d,]+) parameters", out)
    diff = re.search(r"largest difference (\S+)", out)
    facts = {"layers": layers.group(1) if layers else "", "params": layers.group(2) if layers else "",
             "diff": diff.group(1) if diff else ""}
    if code == 0 and "the original's exactly" in out and "outputs equal" in out:
        return {"result": "exact", "detail": "", **facts}
    if "cannot import" in err:
        ops = [line.strip().split(" — at ")[0] for line in err.splitlines()[1:] if " — at " in line]
        detail = "; ".join(ops) or err.strip().splitlines()[0]
        return {"result": "refused", "detail": detail, **facts}
    if "DIFFER" in out or "the original has" in out:
        return {"result": "differs", "detail": out.strip().splitlines()[-1], **facts}
    tail = (err.strip() or out.strip()).splitlines()[-1:] or ["no output"]
    return {"result": "failed", "detail": tail[0][:200], **facts}


def table(rows: list[dict]) -> str:
    lines = ["| model | result | layers | parameters | max output diff | seconds | reason |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['name']} | {r['result']} | {r.get('layers', '')} | {r.get('params', '')} | "
                     f"{r.get('diff', '')} | {r['seconds']:.0f} | {r.get('detail', '')} |")
    exact = sum(r["result"] == "exact" for r in rows)
    lines += ["", f"imported exactly: {exact} of {len(rows)} ({exact / max(len(rows), 1):.1%})"]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, help="input height and width for every model")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds per model")
    parser.add_argument("--only", help="comma-separated model names")
    parser.add_argument("--out", help="also write the table to this Markdown file")
    args = parser.parse_args()
    import torchvision

    names = args.only.split(",") if args.only else torchvision.models.list_models(module=torchvision.models)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            rows.append(run_one(name, args.size, args.timeout, Path(tmp)))
            r = rows[-1]
            print(f"{name}: {r['result']} {r.get('detail', '')} ({r['seconds']:.0f} s)", file=sys.stderr, flush=True)
    text = table(rows)
    print(f"torchvision {torchvision.__version__}, input {args.size or 'per model default'}, "
          f"machine: {sys.platform}, CPU\n")
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
