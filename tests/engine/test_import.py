"""Importing PyTorch modules: torchvision models and a user's file round-trip exactly
(same parameters, same outputs with the same weights); what the catalog cannot express is
refused with each op and where it is named."""
import textwrap

import pytest
import torch
import torchvision
from torch import nn

# Small stand-ins for the big torchvision families, built from torchvision's own classes.
from torchvision.models.convnext import CNBlockConfig, ConvNeXt
from torchvision.models.inception import InceptionC
from torchvision.models.vision_transformer import VisionTransformer

import engine
from engine.cli import run_cli
from engine.graph import valid_block_path, valid_node_id
from engine.importer import ImportRefused, compare_outputs, import_module

TOLERANCE = 1e-5


def _tiny(name):
    if name == "vit":
        return VisionTransformer(image_size=32, patch_size=8, num_layers=2, num_heads=2, hidden_dim=32,
                                 mlp_dim=64, num_classes=10), (3, 32, 32)
    if name == "convnext":
        blocks = [CNBlockConfig(16, 32, 1), CNBlockConfig(32, None, 1)]
        return ConvNeXt(blocks, stochastic_depth_prob=0.1, num_classes=10), (3, 32, 32)
    if name == "inception_c":
        return InceptionC(16, channels_7x7=8), (16, 9, 9)
    return torchvision.models.get_model(name), (3, 32, 32) if name == "efficientnet_b0" else (3, 64, 64)


# Together these cover every layer the catalog added for torchvision (see each comment).
MODELS = [
    "mobilenet_v2",        # relu6, residual add
    "mobilenet_v3_small",  # hardswish, hardsigmoid, squeeze-and-excitation mul, dropout
    "shufflenet_v2_x0_5",  # chunk (two nodes), channel_shuffle, concat, x.mean([2, 3])
    "squeezenet1_1",       # concat of branches, ceil-mode pools
    "efficientnet_b0",     # silu, sigmoid gate, stochastic_depth
    "vit",                 # class token, position embedding, attention, layer norm eps 1e-6, x[:, 0]
    "convnext",            # layer scale, permutes, channels-last linear, functional layer_norm
    "inception_c",         # 1×7 and 7×1 kernels, functional avg_pool2d
]


@pytest.mark.parametrize("name", MODELS)
def test_torchvision_models_import_exactly(name):
    torch.manual_seed(0)
    module, shape = _tiny(name)
    result = import_module(module, shape, weights=True)
    assert result.exact and result.params == sum(p.numel() for p in module.parameters())
    assert engine.analyze(result.graph).valid
    net = engine.build_module(result.graph).eval()
    net.load_state_dict(result.weights)
    x = torch.randn(2, *shape)
    with torch.no_grad():
        assert torch.allclose(net(x), module.eval()(x), atol=TOLERANCE, rtol=TOLERANCE)
    for node in result.graph.nodes.values():
        assert valid_node_id(node.id) and valid_block_path(node.block)


def test_ids_and_blocks_follow_the_module_hierarchy():
    result = import_module(torchvision.models.resnet18(), (3, 64, 64))
    nodes = result.graph.nodes
    assert nodes["layer1_0_conv1"].block == "layer1.0"
    assert nodes["layer1_0_add"].block == "layer1.0" and nodes["layer1_0_add"].layer == "add"
    assert nodes["fc"].block == "" and nodes["conv1"].layer == "conv2d"
    assert result.graph.inputs_of("layer1_0_add") == ["layer1_0_bn2", "maxpool"]


def test_chunk_pieces_are_separate_nodes_reading_the_same_input():
    result = import_module(torchvision.models.shufflenet_v2_x0_5(), (3, 64, 64))
    g = result.graph
    pieces = [n for n in g.nodes.values() if n.layer == "chunk" and n.block == "stage2.1"]
    assert sorted(n.params["index"] for n in pieces) == [0, 1]
    assert len({tuple(g.inputs_of(n.id)) for n in pieces}) == 1


USER_MODULE = textwrap.dedent('''
    import torch
    import torch.nn.functional as F
    from torch import nn


    class Down(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(3, 8, (3, 5), padding=(1, 2))
            self.act = nn.PReLU(8)
            self.drop = nn.Dropout2d(0.1)

        def forward(self, x):
            return self.drop(self.act(self.conv(x)))


    class TinyUNet(nn.Module):
        input_shape = (3, 16, 16)

        def __init__(self):
            super().__init__()
            self.down = Down()
            self.pool = nn.MaxPool2d(2)
            self.mid = nn.Conv2d(8, 8, 3, padding="same")
            self.up = nn.ConvTranspose2d(8, 8, 2, stride=2)
            self.up2 = nn.Upsample(scale_factor=2, mode="bilinear")
            self.head = nn.Conv2d(16, 4, 1)
            self.tap = nn.Identity()
            self.classify = nn.Linear(4 * 8, 5)

        def forward(self, x):
            skip = self.down(x)
            y = F.elu(self.mid(self.pool(skip)))
            a, b = torch.split(y, [3, 5], dim=1)
            y = torch.cat([b, a], dim=1)
            y = torch.cat([self.up(y), skip], dim=1)
            y = self.tap(self.head(y))
            y = F.interpolate(y, scale_factor=0.5, mode="nearest") * torch.sigmoid(y.mean((2, 3), keepdim=True))
            seq = y.flatten(2)  # (B, 4, 64)
            seq = F.avg_pool1d(nn.functional.max_pool1d(seq, 2), 4)  # (B, 4, 8)
            return F.log_softmax(self.classify(seq.flatten(1)), dim=1)


    class Rolled(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = nn.Sequential(nn.Conv2d(3, 4, 3), nn.GroupNorm(2, 4))

        def forward(self, x):
            return torch.roll(self.body(x), 1, dims=2).flatten(1)


    class Shared(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(6, 6)

        def forward(self, x):
            return self.fc(self.fc(x))
''')


@pytest.fixture
def user_file(tmp_path):
    path = tmp_path / "my_model.py"
    path.write_text(USER_MODULE)
    return path


def test_a_user_module_file_round_trips_through_the_cli(tmp_path, user_file, capsys):
    out = tmp_path / "unet.nwproj"
    code = run_cli(["import", f"{user_file}:TinyUNet", "--weights", "--out", str(out), "--check"])
    printed = capsys.readouterr().out
    assert code == 0, printed
    assert "parameters (the original's exactly)" in printed and "outputs equal" in printed
    project = engine.load(out)
    layers = {n.layer for n in project.graph.nodes.values()}
    assert {"prelu", "dropout2d", "conv_transpose2d", "upsample", "split", "elu", "mul", "maxpool1d",
            "avgpool1d", "log_softmax", "concat"} <= layers
    assert project.graph.node("down_conv").params["kernel_size"] == [3, 5]
    assert project.graph.node("down_conv").block == "down"
    assert project.meta["source"] == "my_model.py:TinyUNet"
    net = engine.build_module(project.graph).eval()
    net.load_state_dict(project.weights)
    module = _load_user_class(user_file, "TinyUNet")
    module.load_state_dict({k: v for k, v in _renamed(project, module).items()})
    x = torch.randn(3, 3, 16, 16)
    with torch.no_grad():
        assert torch.allclose(net(x), module.eval()(x), atol=TOLERANCE)


def _load_user_class(path, name):
    import importlib.util

    spec = importlib.util.spec_from_file_location("user_model_for_test", path)
    code = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(code)
    return getattr(code, name)()


def _renamed(project, module):
    """The project's weights under the module's own names (the importer's mapping, inverted)."""
    result = import_module(module, (3, 16, 16))
    return {src: project.weights[ours] for ours, src in result.sources.items()}


def test_a_module_the_catalog_cannot_express_is_refused_naming_each_op(user_file, tmp_path, capsys):
    code = run_cli(["import", f"{user_file}:Rolled", "--input", "3,8,8", "--out", str(tmp_path / "r.nwproj")])
    err = capsys.readouterr().err
    assert code == 1 and not (tmp_path / "r.nwproj").exists()
    assert "torch.roll — at (top level)" in err
    assert "torch.nn.modules.normalization.GroupNorm — at body.1" in err


def test_shared_weights_are_refused(user_file):
    module = _load_user_class(user_file, "Shared")
    with pytest.raises(ImportRefused, match="Linear called twice with the same weights .* — at fc"):
        import_module(module, (6,))


def test_untraceable_forward_is_refused_with_the_reason():
    class Branchy(nn.Module):
        def forward(self, x):
            return x if x.sum() > 0 else -x

    with pytest.raises(ImportRefused, match="torch.fx cannot trace"):
        import_module(Branchy(), (4,))


def test_token_inputs_import_as_an_embedding_network():
    class Tagger(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = nn.Embedding(50, 16)
            self.encoder = nn.TransformerEncoder(
                nn.TransformerEncoderLayer(16, 2, 32, 0.0, batch_first=True, layer_norm_eps=1e-6), 2,
                enable_nested_tensor=False)
            self.out = nn.Linear(16, 3)

        def forward(self, x):
            return self.out(self.encoder(self.embed(x)).mean(1))

    torch.manual_seed(0)
    module = Tagger()
    result = import_module(module, (7,), input_dtype="tokens")
    assert result.exact and result.graph.node("encoder").params["layer_norm_eps"] == 1e-6
    assert compare_outputs(result, module, torch.randint(0, 50, (2, 7))) < TOLERANCE


def test_pretrained_weights_come_only_from_the_hub_cache(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    code = run_cli(["import", "torchvision:squeezenet1_1", "--weights", "--out", str(tmp_path / "s.nwproj")])
    err = capsys.readouterr().err
    assert code == 2 and "not in your torch hub cache" in err and "never downloads" in err
    from engine.importer.sources import cached_weights_path

    torch.manual_seed(1)
    reference = torchvision.models.squeezenet1_1()
    path = cached_weights_path("squeezenet1_1")
    path.parent.mkdir(parents=True)
    torch.save(reference.state_dict(), path)  # stands in for a file torchvision downloaded earlier
    assert run_cli(["import", "torchvision:squeezenet1_1", "--weights", "--input", "3,64,64",
                    "--out", str(tmp_path / "s.nwproj")]) == 0
    project = engine.load(tmp_path / "s.nwproj")
    assert torch.equal(project.weights["features_0.weight"], reference.features[0].weight)
    assert project.meta["num_classes"] == 1000 and project.meta["mean"] == [0.485, 0.456, 0.406]
    net = engine.build_module(project.graph).eval()
    net.load_state_dict(project.weights)
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        assert torch.allclose(net(x), reference.eval()(x), atol=TOLERANCE)


def test_an_imported_network_trains_and_exports(tmp_path, capsys):
    from tests.engine.test_data import write_idx

    source = tmp_path / "small.py"
    source.write_text(textwrap.dedent('''
        from torch import nn

        class Small(nn.Module):
            def __init__(self):
                super().__init__()
                self.features = nn.Sequential(nn.Conv2d(1, 4, 5), nn.SiLU(), nn.MaxPool2d(4))
                self.head = nn.Sequential(nn.Flatten(), nn.Linear(4 * 6 * 6, 10))

            def forward(self, x):
                return self.head(self.features(x))
    '''))
    project = tmp_path / "small.nwproj"
    assert run_cli(["import", f"{source}:Small", "--input", "1,28,28", "--out", str(project)]) == 0
    write_idx(tmp_path / "data", "MNIST")
    assert run_cli(["train", str(project), "--dataset", "mnist", "--data-dir", str(tmp_path / "data"),
                    "--epochs", "1", "--batch-size", "8"]) == 0
    assert engine.load(project).weights is not None
    assert run_cli(["export", str(project), "--python", str(tmp_path / "small_export.py")]) == 0
    assert "class Net(nn.Module)" in (tmp_path / "small_export.py").read_text()
