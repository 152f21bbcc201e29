"""`PlaySession`: TF Playground on the learner's own network — training that never stops, one small
batch at a time, with the decision boundary and every hidden unit's output over the input plane
ready for each frame.

The session trains its own copy of the network on a 2-D toy set (engine.data.toy) and can change,
between any two steps, the learning rate, every activation, the data's noise or a dense layer's
width; weights carry over (a resized layer keeps its overlapping weights), so the picture moves on
from where it was. `frame()` returns plain numpy arrays (a `PlayFrame`) for any viewer.
Runs on the CPU on the calling thread, one intra-op thread: a Play network is tiny, and a frame
(a few steps plus a 48×48 grid) takes about a millisecond. Must not import Qt or pyqtgraph.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import torch

from ..analysis import analyze
from ..builder import GraphModule
from ..catalog import CATALOG
from ..data.toy import TOY_SETS, load_toy
from ..fitting import last_linear
from ..graph import Graph
from ..training.config import TrainConfig
from ..training.objective import Objective, guess_loss
from ..training.optim import make_optimizer
from ..training.resident import Normalizer

PLAY_ACTIVATIONS = CATALOG.with_role("play_hidden")  # roles live on the layer specs
OUTPUT_SQUASH = CATALOG.with_role("play_output")  # at the very end they shape the output, not hidden units
MAX_PARAMS = 100_000  # Play is for small networks: bigger ones would not move at a watchable pace
MAX_UNITS_SHOWN = 8  # hidden units drawn per layer
MAX_LAYERS_SHOWN = 4
SAMPLES = 600


class PlayError(ValueError):
    """The network or a change cannot be played; the message says why."""


@dataclass(frozen=True, eq=False)
class HiddenLayer:
    node_id: str  # the layer whose outputs are drawn (an activation, or a dense layer without one)
    units: np.ndarray  # float32 (U, R, R): each unit's output over the grid, U <= MAX_UNITS_SHOWN
    total_units: int


@dataclass(frozen=True, eq=False)
class PlayFrame:
    step: int  # optimizer steps so far
    epoch: float  # steps × batch / training points
    train_loss: float
    test_loss: float
    test_accuracy: float
    extent: tuple[float, float, float, float]  # x min, x max, y min, y max of the grid (data units)
    classes: np.ndarray  # int64 (R, R): predicted class at (row = y, column = x)
    confidence: np.ndarray  # float32 (R, R): that class's probability
    hidden: tuple[HiddenLayer, ...]
    points: np.ndarray  # float32 (N, 2) training points, data units
    labels: np.ndarray  # int64 (N,)


@dataclass(frozen=True)
class PlaySettings:
    dataset: str = "moons"  # a 2-D toy set: moons, circles, xor, spirals, blobs
    noise: float | None = None  # None: the set's default
    lr: float = 0.03  # plain SGD with momentum 0.9, as the playground teaches
    batch_size: int = 16
    seed: int = 0
    resolution: int = 48  # grid cells per side


class PlaySession:
    def __init__(self, graph: Graph, settings: PlaySettings = PlaySettings()) -> None:
        self.settings = settings
        self.graph = graph.copy()
        self.step_count = 0
        self._rng = torch.Generator().manual_seed(settings.seed)
        self._load_data()
        self._fit_output()
        self._build(keep=None)

    # -- changes while playing --------------------------------------------------------
    def set_lr(self, lr: float) -> None:
        if not lr > 0:
            raise PlayError(f"the learning rate must be positive, not {lr}")
        self.settings = replace(self.settings, lr=float(lr))
        for group in self.optimizer.param_groups:
            group["lr"] = float(lr)

    def set_activation(self, layer: str) -> None:
        """Every hidden activation becomes `layer` (ids stay, so the weights carry over)."""
        if layer not in PLAY_ACTIVATIONS:
            raise PlayError(f"activation must be one of {', '.join(PLAY_ACTIVATIONS)}, not {layer!r}")
        sink = set(analyze(self.graph).sinks)
        for node in list(self.graph.nodes.values()):
            hidden = not (node.layer in OUTPUT_SQUASH and node.id in sink)
            if CATALOG.get(node.layer).category == "Activation" and hidden and node.layer != layer:
                _swap_layer(self.graph, node.id, layer)
        self._build(keep=self.module.state_dict())

    def set_noise(self, noise: float) -> None:
        self.settings = replace(self.settings, noise=float(noise))
        self._load_data()

    def set_dataset(self, name: str) -> None:
        """Another toy set (its default noise); the output layer follows its number of classes."""
        self.settings = replace(self.settings, dataset=name, noise=None)
        self._load_data()
        self._fit_output()
        self._build(keep=self.module.state_dict())

    def set_width(self, node_id: str, width: int) -> None:
        """A dense layer's number of units; overlapping weights are kept, new ones start fresh."""
        if node_id not in self.graph or self.graph.node(node_id).layer != "linear":
            raise PlayError(f"{node_id} is not a dense layer")
        if node_id in analyze(self.graph).sinks:
            raise PlayError(f"{node_id} makes the output: its width is the number of classes")
        if not 1 <= int(width) <= 256:
            raise PlayError(f"width must be between 1 and 256, not {width}")
        self.graph.update_params(node_id, out_features=int(width))
        self._build(keep=self.module.state_dict())

    def retake(self, graph: Graph) -> None:
        """Follow an edit made in the Build view: play `graph` from now on, keeping the data, the
        step count and the weights (a layer whose shape changed keeps the block that still fits,
        as `set_width` does; a new layer starts fresh). Play's own changes (activation, widths)
        give way to the network as built. Raises PlayError, and keeps playing the previous copy,
        when the edited network cannot play (e.g. half-wired)."""
        previous, keep = self.graph, self.module.state_dict()
        self.graph = graph.copy()
        try:
            self._fit_output()
            self._build(keep=keep)
        except PlayError:
            self.graph = previous
            raise

    def reset(self) -> None:
        """Fresh random weights, step 0."""
        self.step_count = 0
        self._build(keep=None)

    @property
    def activation(self) -> str | None:
        """The first hidden activation's layer id (what the activation menu shows)."""
        sinks = analyze(self.graph).sinks
        for node in self.graph.nodes.values():
            if CATALOG.get(node.layer).category == "Activation" and node.id not in sinks:
                return node.layer
        return None

    @property
    def dense_layers(self) -> list[str]:
        """The hidden dense layers whose width can change."""
        sinks = analyze(self.graph).sinks
        return [n for n, node in self.graph.nodes.items() if node.layer == "linear" and n not in sinks]

    # -- training ---------------------------------------------------------------------
    def step(self, n: int = 1) -> float:
        """n optimizer steps on random batches; the last batch's loss."""
        loss = torch.zeros(())
        with _one_thread():
            self.module.train()
            for _ in range(n):
                rows = torch.randint(0, self.x.shape[0], (self.settings.batch_size,), generator=self._rng)
                loss = self.objective.loss(self.module(self.x[rows]), self.y[rows])
                self.optimizer.zero_grad(set_to_none=True)
                loss.backward()
                self.optimizer.step()
                self.step_count += 1
        return float(loss.detach())

    def frame(self) -> PlayFrame:
        with _one_thread(), torch.inference_mode():
            self.module.eval()
            outs = self.module.trace(self.grid)
            train_loss = float(self.objective.loss(self.module(self.x), self.y))
            test_out = self.module(self.x_test)
            test_loss = float(self.objective.loss(test_out, self.y_test))
            accuracy = float((self.objective.predict(test_out) == self.y_test).float().mean())
            probs = _probabilities(outs[self.module.output_id])
            confidence, classes = probs.max(1)
            r = self.settings.resolution
            hidden = self._hidden(outs, r)
        return PlayFrame(
            self.step_count, self.step_count * self.settings.batch_size / self.x.shape[0], train_loss,
            test_loss, accuracy, self.extent, classes.reshape(r, r).numpy(), confidence.reshape(r, r).numpy(),
            hidden, self.points, self.labels)

    # -- internals --------------------------------------------------------------------
    def _fit_output(self) -> None:
        """Give Play's copy one output per class of the data (two classes may keep one output)."""
        analysis = analyze(self.graph)
        out = tuple(analysis.output_shape or ())
        last = last_linear(self.graph)
        if last is not None and out not in ((self.num_classes,), (1,) if self.num_classes == 2 else ()):
            self.graph.update_params(last, out_features=self.num_classes)

    def _load_data(self) -> None:
        name, s = self.settings.dataset, self.settings
        if name not in TOY_SETS:
            raise PlayError(f"Play needs a 2-D toy set ({', '.join(TOY_SETS)}), not {name!r}")
        data = load_toy(name, SAMPLES, s.noise, s.seed)
        normalize = Normalizer(data, torch.device("cpu"))
        self.x, self.y = normalize(data.x_train), data.y_train
        self.x_test, self.y_test = normalize(data.x_test), data.y_test
        self.points, self.labels = data.x_train.numpy(), data.y_train.numpy()
        self.num_classes = data.num_classes
        self._make_grid(data, normalize)

    def _make_grid(self, data, normalize: Normalizer) -> None:
        every = torch.cat([data.x_train, data.x_test])
        low, high = every.min(0).values, every.max(0).values
        pad = (high - low).clamp_min(1e-6) * 0.1
        low, high = low - pad, high + pad
        r = self.settings.resolution
        xs, ys = torch.linspace(float(low[0]), float(high[0]), r), torch.linspace(float(low[1]), float(high[1]), r)
        gy, gx = torch.meshgrid(ys, xs, indexing="ij")
        self.grid = normalize(torch.stack([gx.reshape(-1), gy.reshape(-1)], dim=1))  # (R, R) ×2 -> (R*R, 2)
        self.extent = (float(low[0]), float(high[0]), float(low[1]), float(high[1]))

    def _build(self, keep: dict[str, torch.Tensor] | None) -> None:
        analysis = analyze(self.graph)
        problem = _play_problem(analysis, self.num_classes)
        if problem:
            raise PlayError(problem)
        module = GraphModule(self.graph, analysis)
        if keep is not None:
            _carry_over(module, keep)
        self.module = module
        self.objective = Objective(guess_loss(analysis.output_shape[0]), analysis.output_shape[0], self.num_classes)
        config = TrainConfig(optimizer="sgd", lr=self.settings.lr, momentum=0.9)
        self.optimizer = make_optimizer(module.parameters(), config)

    def _hidden(self, outs: dict[str, torch.Tensor], r: int) -> tuple[HiddenLayer, ...]:
        layers = []
        for node_id in _shown_nodes(self.graph, self.module):
            values = outs[node_id].float()  # (R*R, U)
            units = values[:, :MAX_UNITS_SHOWN].T.reshape(-1, r, r)
            layers.append(HiddenLayer(node_id, units.numpy().astype(np.float32), int(values.shape[1])))
        return tuple(layers[:MAX_LAYERS_SHOWN])


def _play_problem(analysis, num_classes: int) -> str | None:
    if not analysis.valid:
        return "the network has errors: fix them in the Build view first"
    if tuple(analysis.input_shape or ()) != (2,):
        return "Play trains on 2-D points: set the input layer's shape to 2"
    fits = (num_classes,) + ((1,) if num_classes == 2 else ())  # one logit also separates two classes
    if tuple(analysis.output_shape or ()) not in [(w,) for w in fits]:
        return f"the network must end with {num_classes} outputs (one per class) for this data set"
    if analysis.total_params > MAX_PARAMS:
        return f"Play is for small networks (at most {MAX_PARAMS:,} parameters; this one has {analysis.total_params:,})"
    return None


def _swap_layer(graph: Graph, node_id: str, layer: str) -> None:
    """The node becomes a `layer` with default parameters; its id and connections stay."""
    node, removed = graph.remove_node(node_id)
    graph.insert_node(replace(node, layer=layer, params={}))
    for index, edge in sorted(removed, key=lambda ie: ie[0]):
        graph.connect(edge.src, edge.dst, index)


def _shown_nodes(graph: Graph, module: GraphModule) -> list[str]:
    """Per hidden dense layer, the node whose output is the units' activity: its activation if one follows."""
    shown = []
    for node_id, _ in module.plan:
        if graph.node(node_id).layer != "linear" or node_id == module.output_id:
            continue
        outs = graph.outputs_of(node_id)
        after = outs[0] if len(outs) == 1 and CATALOG.get(graph.node(outs[0]).layer).category == "Activation" else None
        shown.append(after or node_id)
    return shown


def _carry_over(module: torch.nn.Module, old: dict[str, torch.Tensor]) -> None:
    """Copy old weights into `module`; where a shape changed, copy the overlapping block."""
    state = module.state_dict()
    with torch.no_grad():
        for key, new in state.items():
            if key not in old:
                continue
            before = old[key]
            if before.shape == new.shape:
                new.copy_(before)
            elif before.dim() == new.dim():
                block = tuple(slice(0, min(a, b)) for a, b in zip(before.shape, new.shape))
                new[block] = before[block]


def _probabilities(logits: torch.Tensor) -> torch.Tensor:
    if logits.shape[1] == 1:
        p = torch.sigmoid(logits.float())
        return torch.cat([1 - p, p], 1)
    return torch.softmax(logits.float(), 1)


class _one_thread:
    """Tiny matrices: one intra-op thread avoids hand-offs that cost more than the work."""

    def __enter__(self) -> None:
        self.before = torch.get_num_threads()
        torch.set_num_threads(1)

    def __exit__(self, *exc: object) -> None:
        torch.set_num_threads(self.before)
