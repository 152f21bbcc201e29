"""engine.data: every dataset loads through its real code path from files the test makes."""
from __future__ import annotations

import pickle
import struct
import sys
import types
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from engine.data import DATASET_NAMES, Dataset, DatasetError, dataset_info, default_data_dir, load_dataset

IDX_NAMES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
             "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")


def idx_bytes(array: np.ndarray) -> bytes:
    """The idx-ubyte encoding MNIST uses: magic (0, 0, type 0x08 = uint8, ndim), big-endian dims, data."""
    header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(np.uint8).tobytes()


def idx_files(n_train: int = 30, n_test: int = 10, seed: int = 0) -> dict[str, bytes]:
    rng = np.random.default_rng(seed)
    arrays = (rng.integers(0, 256, (n_train, 28, 28)), np.arange(n_train) % 10,
              rng.integers(0, 256, (n_test, 28, 28)), np.arange(n_test) % 10)
    return {name: idx_bytes(np.asarray(a)) for name, a in zip(IDX_NAMES, arrays)}


def write_idx(root: Path, folder: str) -> None:
    raw = root / folder / "raw"
    raw.mkdir(parents=True)
    for name, data in idx_files().items():
        (raw / name).write_bytes(data)


@pytest.mark.parametrize(("name", "folder"), [("mnist", "MNIST"), ("fashion_mnist", "FashionMNIST")])
def test_idx_sets_load_through_torchvision(tmp_path: Path, name: str, folder: str) -> None:
    write_idx(tmp_path, folder)
    seen: list[tuple[float, str]] = []
    ds = load_dataset(name, data_dir=tmp_path, download=False, progress=lambda f, m: seen.append((f, m)))
    assert ds.x_train.dtype == torch.uint8 and ds.x_train.shape == (30, 1, 28, 28)
    assert ds.x_test.shape == (10, 1, 28, 28) and ds.y_test.dtype == torch.int64
    assert ds.input_shape == (1, 28, 28) and ds.num_classes == 10 and len(ds.class_names) == 10
    assert ds.kind == "image" and ds.class_counts("train") == [3] * 10
    assert 0.4 < ds.mean[0] < 0.6 and 0.2 < ds.std[0] < 0.35  # uniform noise in 0..1 units
    assert seen[-1][0] == 1.0
    assert "10 classes" in ds.describe()


def test_mnist_missing_without_download_names_folder(tmp_path: Path) -> None:
    with pytest.raises(DatasetError) as err:
        load_dataset("mnist", data_dir=tmp_path, download=False)
    text = str(err.value)
    assert str(tmp_path / "MNIST" / "raw") in text and "train-images-idx3-ubyte.gz" in text


def test_offline_download_fails_with_folder_and_files(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from urllib.error import URLError

    import engine.data.download as net

    def offline(url: str, timeout: float = 0) -> None:
        raise URLError("no network")
    monkeypatch.setattr(net, "open_url", offline)
    with pytest.raises(DatasetError) as err:
        load_dataset("cifar10", data_dir=tmp_path, download=True)
    assert str(tmp_path) in str(err.value) and "cifar-10-python.tar.gz" in str(err.value)
    with pytest.raises(DatasetError, match="MNIST/raw"):
        load_dataset("mnist", data_dir=tmp_path, download=True)


class FakeResponse:
    def __init__(self, data: bytes) -> None:
        self._data, self.headers = data, {"Content-Length": str(len(data))}

    def read(self, n: int) -> bytes:
        chunk, self._data = self._data[:n], self._data[n:]
        return chunk

    def __enter__(self) -> "FakeResponse":
        return self

    def __exit__(self, *exc: object) -> None:
        return None


def test_download_reports_progress_and_unpacks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import gzip
    import hashlib

    import torchvision

    import engine.data.download as net
    served = {f"http://mirror.test/{name}.gz": gzip.compress(data) for name, data in idx_files().items()}
    resources = [(url.rsplit("/", 1)[1], hashlib.md5(data).hexdigest()) for url, data in served.items()]
    monkeypatch.setattr(torchvision.datasets.MNIST, "mirrors", ["http://mirror.test/"])
    monkeypatch.setattr(torchvision.datasets.MNIST, "resources", resources)
    monkeypatch.setattr(net, "open_url", lambda url, timeout=0: FakeResponse(served[url]))
    monkeypatch.setattr(net, "CHUNK_BYTES", 1024)
    seen: list[float] = []
    ds = load_dataset("mnist", data_dir=tmp_path, progress=lambda f, m: seen.append(f))
    assert ds.num_train == 30 and ds.num_test == 10
    assert seen == sorted(seen) and seen[-1] == 1.0 and len(seen) > 6


def test_cifar10_loads_through_torchvision(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import torchvision.datasets.cifar as cifar
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        batch = {"data": rng.integers(0, 256, (4, 3072), dtype=np.uint8), "labels": [0, 1, 2, 9]}
        (folder / name).write_bytes(pickle.dumps(batch))  # the test is the producer of these files
    names = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
    (folder / "batches.meta").write_bytes(pickle.dumps({"label_names": names}))
    # torchvision checks the official md5s; these files are ours, so check only that they exist
    monkeypatch.setattr(cifar, "check_integrity", lambda path, md5=None: Path(path).is_file())
    ds = load_dataset("cifar10", data_dir=tmp_path, download=False)
    assert ds.x_train.shape == (20, 3, 32, 32) and ds.x_train.dtype == torch.uint8
    assert ds.x_test.shape == (4, 3, 32, 32) and ds.class_names == names
    assert ds.input_shape == (3, 32, 32) and len(ds.mean) == 3
    first = torch.from_numpy(np.frombuffer(pickle.loads((folder / "data_batch_1").read_bytes())["data"][0],
                                           dtype=np.uint8).copy())
    assert torch.equal(ds.x_train[0].reshape(-1), first)  # channel-major rows map to (C, H, W)


def make_image_folder(root: Path) -> None:
    for label, colour in (("cat", (255, 0, 0)), ("dog", (0, 0, 255))):
        (root / label).mkdir(parents=True)
        for i in range(5):
            size = (20 + i, 10 + 2 * i)  # different sizes: all are resized
            Image.new("RGB", size, colour).save(root / label / f"{i}.png")
    (root / "cat" / "notes.txt").write_text("not an image")


def test_folder_resizes_and_splits(tmp_path: Path) -> None:
    make_image_folder(tmp_path)
    ds = load_dataset("folder", path=tmp_path, input_shape=(1, 16, 12), seed=1)
    assert ds.class_names == ["cat", "dog"] and ds.input_shape == (1, 16, 12)
    assert ds.x_train.shape[1:] == (1, 16, 12) and ds.num_train + ds.num_test == 10
    assert ds.class_counts("test") == [1, 1]
    colour = load_dataset("folder", path=tmp_path, image_size=8, seed=1)
    assert colour.x_train.shape[1:] == (3, 8, 8)
    red = colour.x_train[colour.y_train == 0][0]
    assert red[0].min() > 250 and red[2].max() < 5


def test_folder_errors(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="does not exist"):
        load_dataset("folder", path=tmp_path / "nope")
    with pytest.raises(DatasetError, match="no class sub-folders"):
        load_dataset("folder", path=tmp_path)
    (tmp_path / "empty_class").mkdir()
    with pytest.raises(DatasetError, match="only one class sub-folder"):  # 1 class would report 100 %
        load_dataset("folder", path=tmp_path)
    (tmp_path / "other").mkdir()
    Image.new("L", (4, 4)).save(tmp_path / "other" / "a.png")
    with pytest.raises(DatasetError, match="empty_class"):
        load_dataset("folder", path=tmp_path)
    (tmp_path / "empty_class" / "bad.png").write_text("not a png")
    with pytest.raises(DatasetError, match="no readable images left in empty_class.*bad.png"):
        load_dataset("folder", path=tmp_path)  # its only file is unreadable
    Image.new("L", (4, 4)).save(tmp_path / "empty_class" / "good.png")
    ds = load_dataset("folder", path=tmp_path)  # an unreadable file is left out and named, not fatal
    assert len(ds.skipped) == 1 and "bad.png" in ds.skipped[0] and ds.num_train + ds.num_test == 2
    assert "1 unreadable skipped" in ds.description


@pytest.mark.parametrize("name", ["moons", "circles", "xor", "spirals", "blobs"])
def test_toy_sets(name: str) -> None:
    ds = load_dataset(name, n_samples=200, noise=0.1, seed=3)
    again = load_dataset(name, n_samples=200, noise=0.1, seed=3)
    other = load_dataset(name, n_samples=200, noise=0.1, seed=4)
    assert ds.kind == "points" and ds.input_shape == (2,) and ds.x_train.dtype == torch.float32
    assert ds.num_train + ds.num_test == 200 and ds.num_classes == dataset_info(name).num_classes
    assert torch.equal(ds.x_train, again.x_train) and not torch.equal(ds.x_train, other.x_train)
    assert min(ds.class_counts("train")) > 0


def test_toy_options_are_checked() -> None:
    assert load_dataset("spirals", n_classes=5, n_samples=100).num_classes == 5
    with pytest.raises(DatasetError, match="always has 2 classes"):
        load_dataset("moons", n_classes=3)
    with pytest.raises(DatasetError, match="no option colour"):
        load_dataset("moons", colour="red")
    with pytest.raises(DatasetError, match="unknown dataset"):
        load_dataset("imagenet")


def test_digits_with_stand_in_generator(monkeypatch: pytest.MonkeyPatch) -> None:
    def make_digits(n: int, seed: int = 0, progress=None) -> tuple[np.ndarray, np.ndarray]:
        return np.full((n, 28, 28), seed, dtype=np.uint8), np.arange(n, dtype=np.int64) % 10
    monkeypatch.setitem(sys.modules, "engine.digits.synth", types.SimpleNamespace(make_digits=make_digits))
    ds = load_dataset("digits", n_train=30, n_test=20, seed=7)
    assert ds.x_train.shape == (30, 1, 28, 28) and ds.num_test == 20 and int(ds.x_test[0, 0, 0, 0]) == 7


def test_digits_real_generator() -> None:
    pytest.importorskip("engine.digits.synth")
    ds = load_dataset("digits", n_train=40, n_test=20, seed=1)
    assert ds.x_train.shape == (40, 1, 28, 28) and ds.x_train.dtype == torch.uint8
    assert ds.num_classes == 10 and ds.num_test == 20


def test_info_for_every_name() -> None:
    for name in DATASET_NAMES:
        info = dataset_info(name)
        assert info.name == name and info.description and info.kind in ("image", "points")
    assert dataset_info("Fashion-MNIST").input_shape == (1, 28, 28)


def test_default_data_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("NETWRIGHT_DATA", str(tmp_path))
    assert default_data_dir() == tmp_path
    monkeypatch.delenv("NETWRIGHT_DATA")
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert default_data_dir() == tmp_path / "netwright" / "data"
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setenv("LOCALAPPDATA", str(tmp_path))
    assert default_data_dir() == tmp_path / "Netwright" / "data"


def test_inconsistent_dataset_is_refused() -> None:
    x = torch.zeros(4, 2)
    with pytest.raises(DatasetError, match="labels"):
        Dataset("bad", "points", x, torch.tensor([0, 1, 2, 0]), x, torch.zeros(4, dtype=torch.int64),
                (2,), 2, ["a", "b"], (0.0, 0.0), (1.0, 1.0))


def test_digits_generation_is_cancelled_from_progress() -> None:
    """Closing the window mid-generation: the progress callback raises LoadCancelled and the
    load ends at the next chunk instead of drawing all 24,000 digits (~26 s)."""
    import time

    from engine.data import LoadCancelled

    calls: list[str] = []

    def progress(fraction: float, message: str) -> None:
        calls.append(message)
        if len(calls) == 2:
            raise LoadCancelled("digits")

    start = time.perf_counter()
    with pytest.raises(LoadCancelled):
        load_dataset("digits", n_train=20000, n_test=4000, progress=progress)
    assert time.perf_counter() - start < 5
    assert calls == ["Drawing digits: 0 of 24000", "Drawing digits: 100 of 24000"]


def test_folder_overview_counts_samples_reports_progress_and_can_be_stopped(tmp_path):
    from PIL import Image

    from engine.data.folder import ScanCancelled, folder_classes, folder_overview, sample_files

    for name, n in {"cat": 4, "dog": 2, "eel": 3}.items():
        (tmp_path / name).mkdir()
        for i in range(n):
            Image.new("RGB", (4, 4)).save(tmp_path / name / f"{i}.png")
    seen = []
    overview = folder_overview(tmp_path, 2, lambda f, text: seen.append((round(f, 2), text)))
    assert overview.counts == folder_classes(tmp_path) == {"cat": 4, "dog": 2, "eel": 3}
    assert overview.samples == sample_files(tmp_path, 2)  # one walk gives what the two calls gave
    assert seen == [(0.0, "Looking in cat"), (0.33, "Looking in dog"), (0.67, "Looking in eel")]
    asked = []
    with pytest.raises(ScanCancelled, match="cancelled"):
        folder_overview(tmp_path, 2, should_stop=lambda: asked.append(1) or len(asked) > 1)
    assert len(asked) == 2  # stopped before the second class folder
