"""ONNX (checked with onnxruntime) and TorchScript files equal the engine module; exported Python
files run as scripts for image, feature and token inputs."""
import runpy

import pytest
import torch

import engine
from engine.cli import run_cli
from engine.export import export_python
from engine.export_formats import export_onnx, export_torchscript
from engine.templates.base import Net as Builder


def token_graph():
    """Token ids -> embedding -> transformer encoder -> mean token -> classes."""
    net = Builder((12,))
    net.graph.update_params("input", dtype="tokens")
    net.add("embedding", "embed", num_embeddings=40, embedding_dim=16)
    net.add("transformer_encoder", "encoder", num_heads=2, dim_feedforward=32, num_layers=1, dropout=0.0)
    net.add("token_pool", "pool", mode="mean")
    net.add("linear", "head", out_features=3)
    return net.done()


def modern_graph():
    """A few of the newer layers: upsample, transposed conv, chunk, channel shuffle, layer scale, mul."""
    net = Builder((4, 8, 8))
    net.add("conv_transpose2d", "up", out_channels=8, kernel_size=2, stride=2)
    net.add("upsample", "resize", scale_factor=0.5, mode="bilinear")
    net.add("chunk", "left", after="resize", chunks=2, index=0)
    net.add("chunk", "right", after="resize", chunks=2, index=1)
    net.add("hardswish", "act", after="right")
    net.add("concat", "join", after=["left", "act"])
    net.add("channel_shuffle", "shuffle", groups=2)
    net.add("layer_scale", "scale", init_value=0.5)
    net.add("adaptive_avgpool2d", "gate_pool", after="scale")
    net.add("hardsigmoid", "gate")
    net.add("mul", "excite", after=["scale", "gate"])
    net.add("flatten", "flat")
    net.add("linear", "head", out_features=5)
    return net.done()


GRAPHS = {
    "image": lambda: engine.templates.load("lenet5"),
    "features": lambda: engine.templates.load("mlp", (2,), 2),
    "tokens": token_graph,
    "modern": modern_graph,
}


def _inputs(graph, batch):
    torch.manual_seed(batch)
    from engine.export import example_input

    return example_input(graph, batch)


@pytest.mark.parametrize("kind", ["image", "tokens", "modern"])  # features: in the CLI test
def test_onnx_output_equals_the_engine_module(tmp_path, kind):
    ort = pytest.importorskip("onnxruntime")
    pytest.importorskip("onnxscript")
    graph = GRAPHS[kind]()
    module = engine.build_module(graph).eval()
    path = export_onnx(graph, tmp_path / f"{kind}.onnx", module.state_dict())
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    for batch in (1, 3):  # the batch dimension is dynamic
        x = _inputs(graph, batch)
        (out,) = session.run(None, {"input": x.numpy()})
        with torch.no_grad():
            assert torch.allclose(torch.from_numpy(out), module(x), atol=1e-4)
    assert list(tmp_path.iterdir()) == [path]  # no temporary files left behind


@pytest.mark.parametrize("kind", ["image", "tokens"])
def test_torchscript_output_equals_the_engine_module(tmp_path, kind):
    graph = GRAPHS[kind]()
    module = engine.build_module(graph).eval()
    path = export_torchscript(graph, tmp_path / f"{kind}.pt", module.state_dict())
    loaded = torch.jit.load(str(path))
    x = _inputs(graph, 2)
    with torch.no_grad():
        assert torch.allclose(loaded(x), module(x), atol=1e-5)


@pytest.mark.parametrize("kind", list(GRAPHS))
def test_exported_python_runs_as_a_script(tmp_path, kind, capsys):
    graph = GRAPHS[kind]()
    path = tmp_path / f"net_{kind}.py"
    path.write_text(export_python(graph))
    runpy.run_path(str(path), run_name="__main__")
    out_shape = engine.analyze(graph).output_shape
    assert capsys.readouterr().out.strip() == f"torch.Size([1, {', '.join(map(str, out_shape))}])"


def test_cli_exports_each_format_with_the_trained_weights(tmp_path, capsys):
    pytest.importorskip("onnxscript")
    graph = engine.templates.load("mlp", (2,), 2)
    module = engine.build_module(graph)
    project = engine.save(graph, tmp_path / "mlp.nwproj", weights=module)
    for flag, name in (("--onnx", "m.onnx"), ("--torchscript", "m.pt"), ("--python", "m.py")):
        assert run_cli(["export", str(project), flag, str(tmp_path / name)]) == 0
    printed = capsys.readouterr().out
    assert "wrote" in printed and "the project's trained weights" in printed
    loaded = torch.jit.load(str(tmp_path / "m.pt"))
    x = torch.randn(4, 2)
    with torch.no_grad():
        assert torch.allclose(loaded(x), module.eval()(x))
    assert (tmp_path / "m.safetensors").exists()


def test_missing_onnx_packages_are_named_with_the_install_command(tmp_path, monkeypatch, capsys):
    import engine.export_formats as formats

    monkeypatch.setattr(formats, "missing_onnx_packages", lambda: ["onnxscript"])
    project = engine.save(engine.templates.load("mlp", (2,), 2), tmp_path / "mlp.nwproj")
    assert run_cli(["export", str(project), "--onnx", str(tmp_path / "m.onnx")]) == 1
    assert 'needs the onnxscript package: pip install -e ".[export]"' in capsys.readouterr().err
    assert not (tmp_path / "m.onnx").exists()
