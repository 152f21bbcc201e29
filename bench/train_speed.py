"""Training speed: Netwright's trainer against a plain PyTorch tutorial script, same model and data.

    python bench/train_speed.py DATA_DIR [--epochs 10] [--repeats 3] [--device cpu]

DATA_DIR holds MNIST in torchvision's layout (DATA_DIR/MNIST/raw/...), for example
/work/shared/data/mnist-10k. The peer is the usual tutorial loop (pytorch/examples mnist):
torchvision MNIST with ToTensor + Normalize((0.1307,), (0.3081,)), DataLoader(batch_size=64,
shuffle=True), Adam(lr=1e-3), cross-entropy, loss.item() every 10 batches. Both train the same
LeNet-5 from the same initial weights for the same epochs on the same 100% of the training
split; runs alternate in one process and medians are reported. Our time runs from the call
to train() (validation, moving data, choosing threads) to the last epoch; the peer's from its
first batch to its last. Neither includes the final test pass. --check-defaults also trains
once with TrainConfig() as the app ships it (10% held out for validation).
"""
from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine.data import load_dataset  # noqa: E402
from engine.training import EpochRecord, FinishedRecord, TrainConfig, train  # noqa: E402

BATCH, LR, SEED = 64, 1e-3, 0
TARGET_ACC = 0.975


def build_model(template: bool = False) -> nn.Module:
    """LeNet-5; with --template it is built by the engine from the lenet5 template."""
    if template:
        import engine
        return engine.build_module(engine.templates.load("lenet5"))
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),  # (1, 28, 28) -> (6, 14, 14)
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),  # -> (16, 5, 5)
        nn.Flatten(),  # (16, 5, 5) -> (400,)
        nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10),
    )


@dataclass(frozen=True)
class Result:
    samples_per_s: float
    test_acc: float
    threads: int


def run_ours(data_dir: str, epochs: int, device: str, template: bool, threads: int = 0,
             config: TrainConfig | None = None) -> Result:
    dataset = load_dataset("mnist", data_dir=data_dir, download=False)
    config = config or TrainConfig(optimizer="adam", lr=LR, schedule="none", batch_size=BATCH,
                                   epochs=epochs, val_split=0.0, seed=SEED, device=device,
                                   cpu_threads=threads)
    torch.manual_seed(SEED)
    model = build_model(template)
    start, end, samples, threads, final = time.perf_counter(), 0.0, 0, 0, None
    for record in train(model, dataset, config):
        if isinstance(record, EpochRecord):
            end, threads = time.perf_counter(), torch.get_num_threads()
            samples += round(dataset.num_train * (1 - config.val_split))
        elif isinstance(record, FinishedRecord):
            final = record
    if final is None or final.status != "completed":
        raise SystemExit(f"our run did not complete: {final}")
    return Result(samples / (end - start), final.test_acc or 0.0, threads)


def run_peer(data_dir: str, epochs: int, device: str, template: bool, threads: int = 0) -> Result:
    """The tutorial script, kept as a tutorial writes it (threads > 0: torch.set_num_threads first)."""
    from torch.utils.data import DataLoader
    from torchvision import datasets, transforms

    default_threads = torch.get_num_threads()
    if threads > 0:
        torch.set_num_threads(threads)
    dev = torch.device(device)
    transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))])
    train_set = datasets.MNIST(data_dir, train=True, download=False, transform=transform)
    test_set = datasets.MNIST(data_dir, train=False, download=False, transform=transform)
    extra = {"num_workers": 1, "pin_memory": True} if dev.type == "cuda" else {}
    train_loader = DataLoader(train_set, batch_size=BATCH, shuffle=True, **extra)
    test_loader = DataLoader(test_set, batch_size=1000, **extra)
    torch.manual_seed(SEED)
    model = build_model(template).to(dev)
    optimizer = torch.optim.Adam(model.parameters(), lr=LR)
    start = time.perf_counter()
    for _ in range(epochs):
        model.train()
        for batch_idx, (data, target) in enumerate(train_loader):
            data, target = data.to(dev), target.to(dev)
            optimizer.zero_grad()
            loss = F.cross_entropy(model(data), target)
            loss.backward()
            optimizer.step()
            if batch_idx % 10 == 0:
                loss.item()  # the tutorial prints it every log_interval batches
    seconds = time.perf_counter() - start
    used = torch.get_num_threads()
    torch.set_num_threads(default_threads)
    return Result(epochs * len(train_set) / seconds, _peer_test(model, test_loader, dev), used)


def _peer_test(model: nn.Module, loader: object, dev: torch.device) -> float:
    model.eval()
    correct = total = 0
    with torch.no_grad():
        for data, target in loader:  # type: ignore[attr-defined]
            pred = model(data.to(dev)).argmax(dim=1)
            correct += int((pred == target.to(dev)).sum())
            total += len(target)
    return correct / total


def machine(device: str) -> str:
    if device.startswith("cuda") and torch.cuda.is_available():
        return f"GPU {torch.cuda.get_device_name()}"
    name = platform.processor() or platform.machine()
    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
        name = next(line.split(":", 1)[1].strip() for line in lines if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"CPU {name}, {torch.get_num_threads()} torch threads"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=0,
                        help="CPU threads for both (0: ours picks its own, the peer uses torch's default)")
    parser.add_argument("--template", action="store_true", help="LeNet-5 from engine.templates")
    parser.add_argument("--check-defaults", action="store_true",
                        help="also train once with TrainConfig() defaults and check test accuracy")
    args = parser.parse_args(argv)
    data = load_dataset("mnist", data_dir=args.data_dir, download=False)
    print(f"Training speed: LeNet-5 on MNIST from {args.data_dir} ({data.num_train} train / "
          f"{data.num_test} test), {args.epochs} epochs, batch {BATCH}, Adam lr {LR:g}")
    print(f"machine: {machine(args.device)}; torch {torch.__version__}; device {args.device}")
    print("peer: plain PyTorch tutorial script (torchvision MNIST + ToTensor/Normalize, "
          f"DataLoader(batch_size={BATCH}, shuffle=True))")
    ours, peer = _alternate(args)
    _summary(ours, peer)
    if args.check_defaults:
        _check_defaults(args)
    return 0


def _alternate(args: argparse.Namespace) -> tuple[list[Result], list[Result]]:
    ours: list[Result] = []
    peer: list[Result] = []
    for r in range(args.repeats):
        order = (("netwright", run_ours, ours), ("peer", run_peer, peer))
        for name, fn, sink in order if r % 2 == 0 else order[::-1]:
            result = fn(args.data_dir, args.epochs, args.device, args.template, args.threads)
            sink.append(result)
            print(f"  run {r + 1} {name:9s} {result.samples_per_s:9,.0f} samples/s  "
                  f"test acc {result.test_acc:.2%}  ({result.threads} threads)", flush=True)
    return ours, peer


def _summary(ours: list[Result], peer: list[Result]) -> None:
    ours_speed = statistics.median(r.samples_per_s for r in ours)
    peer_speed = statistics.median(r.samples_per_s for r in peer)
    print(f"median samples/s: netwright {ours_speed:,.0f}  peer {peer_speed:,.0f}  "
          f"ratio {ours_speed / peer_speed:.2f}x")
    print(f"median test accuracy: netwright {statistics.median(r.test_acc for r in ours):.2%}  "
          f"peer {statistics.median(r.test_acc for r in peer):.2%}")


def _check_defaults(args: argparse.Namespace) -> None:
    config = TrainConfig(device=args.device)
    result = run_ours(args.data_dir, config.epochs, args.device, args.template, config=config)
    verdict = "meets" if result.test_acc >= TARGET_ACC else "MISSES"
    print(f"defaults {config.to_dict()}: test acc {result.test_acc:.2%} after {config.epochs} epochs "
          f"({verdict} the {TARGET_ACC:.1%} target)")


if __name__ == "__main__":
    sys.exit(main())
