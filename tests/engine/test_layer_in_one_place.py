"""Adding a layer type is one catalog entry: a throwaway spec, registered from a temporary
catalog module, is known to the summary, the export, the importer and (tests/gui) the card."""
from __future__ import annotations

import importlib.util
import textwrap
from pathlib import Path

import pytest
import torch
from torch import nn

from engine.analysis import analyze
from engine.catalog import CATALOG
from engine.cli.formatting import table
from engine.export import export_python
from engine.importer import import_module

THROWAWAY = textwrap.dedent('''
    """A layer type nobody ships: Hardtanh, clipping to [min_val, max_val]."""
    from engine.catalog import LayerSpec, ParamSpec
    from engine.catalog import formulas as f
    from engine.lazy import LazyModule

    nn = LazyModule("torch.nn")


    def register(reg):
        reg.register(LayerSpec(
            "throwaway_hardtanh", "Hardtanh (test)", "Activation", "Clips every value to [min_val, max_val].",
            (ParamSpec("min_val", "float", -1.0, "Lower bound."), ParamSpec("max_val", "float", 1.0, "Upper bound.")),
            build=lambda s, p: nn.Hardtanh(p["min_val"], p["max_val"]), counts=f.same_shape,
            export=lambda s, p: f"nn.Hardtanh({p['min_val']!r}, {p['max_val']!r})",
            torch_types=("torch.nn.Hardtanh",), torch_functions=("torch.nn.functional.hardtanh",),
            card=lambda p: f"clip {p['min_val']:g}..{p['max_val']:g}",
            roles=frozenset({"saturating"})))
''')


def register_throwaway(folder: Path):
    """Write the temporary catalog module, register its spec; returns a function that removes it."""
    path = folder / "throwaway_layers.py"
    path.write_text(THROWAWAY)
    spec = importlib.util.spec_from_file_location("throwaway_layers", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.register(CATALOG)
    return lambda: CATALOG._specs.pop("throwaway_hardtanh", None)


@pytest.fixture
def throwaway(tmp_path):
    remove = register_throwaway(tmp_path)
    yield CATALOG.get("throwaway_hardtanh")
    remove()


def _original() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 8), nn.Hardtanh(-0.5, 0.5), nn.Linear(8, 3))


def test_a_new_layer_is_imported_summarized_and_exported_from_its_spec_alone(throwaway, tmp_path):
    original = _original().eval()
    result = import_module(original, (4,), weights=True)  # the importer knows it by torch_types
    node = next(n for n in result.graph.nodes.values() if n.layer == "throwaway_hardtanh")
    assert node.params == {"min_val": -0.5, "max_val": 0.5}

    analysis = analyze(result.graph)  # the summary knows its shape from the spec
    assert analysis.valid and analysis.row(node.id).output_shape == (8,)
    line = next(line for line in table(analysis, "throwaway").splitlines() if line.startswith(node.id + " "))
    assert "throwaway_hardtanh" in line and "8" in line, line

    code = export_python(result.graph, class_name="Net")  # the export writes its constructor
    assert "nn.Hardtanh(-0.5, 0.5)" in code
    namespace: dict = {}
    exec(compile(code.replace('if __name__ == "__main__":', "if False:"), "net.py", "exec"), namespace)
    exported = namespace["Net"]().eval()
    exported.load_state_dict(result.weights)
    x = torch.randn(5, 4) * 3
    with torch.no_grad():
        assert torch.equal(exported(x), original(x))


class _Functional(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(4, 3)

    def forward(self, x):
        return nn.functional.leaky_relu(nn.functional.hardtanh(self.fc(x), -0.25, max_val=0.75), 0.2).relu_()


def test_calls_are_imported_by_the_specs_torch_functions(throwaway):
    result = import_module(_Functional(), (4,), weights=True)
    layers = [(n.layer, n.params) for n in result.graph.nodes.values()][2:]
    assert layers == [("throwaway_hardtanh", {"min_val": -0.25, "max_val": 0.75}),
                      ("leaky_relu", {"negative_slope": 0.2}), ("relu", {})]


def test_the_throwaway_leaves_the_catalog_as_it_was(tmp_path):
    before = CATALOG.ids()
    register_throwaway(tmp_path)()
    assert CATALOG.ids() == before and "throwaway_hardtanh" not in CATALOG
