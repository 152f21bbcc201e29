"""Small nn.Modules that the catalog builds and that exported code copies verbatim.

Each class here must be self-contained (imports only torch) because `engine.export`
copies its source into standalone files. Must not import Qt or other engine modules.
"""
import torch
from torch import nn


class Add(nn.Module):
    """Residual sum of any number of equally shaped inputs."""

    def forward(self, *xs: torch.Tensor) -> torch.Tensor:
        out = xs[0]
        for x in xs[1:]:
            out = out + x
        return out


class Concat(nn.Module):
    """Concatenate inputs along `dim` (0 = channels; the batch dim is not counted)."""

    def __init__(self, dim: int = 0) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, *xs: torch.Tensor) -> torch.Tensor:
        return torch.cat(xs, dim=self.dim + 1)


class Mul(nn.Module):
    """Element-wise product; a C×1×1 input broadcasts over height and width (squeeze-and-excitation)."""

    def forward(self, *xs: torch.Tensor) -> torch.Tensor:
        out = xs[0]
        for x in xs[1:]:
            out = out * x
        return out


class Chunk(nn.Module):
    """Piece `index` of `chunks` near-equal pieces along `dim` (batch excluded)."""

    def __init__(self, chunks: int, dim: int, index: int) -> None:
        super().__init__()
        self.chunks, self.dim, self.index = chunks, dim, index

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.chunk(x, self.chunks, dim=self.dim + 1)[self.index]


class Split(nn.Module):
    """Piece `index` of a split along `dim`: pieces of one size, or of the listed sizes."""

    def __init__(self, sizes: tuple, dim: int, index: int) -> None:
        super().__init__()
        self.sizes = sizes[0] if len(sizes) == 1 else list(sizes)
        self.dim, self.index = dim, index

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.split(x, self.sizes, dim=self.dim + 1)[self.index]


class ChannelShuffle(nn.Module):
    """Interleave the channels of `groups` groups (ShuffleNet)."""

    def __init__(self, groups: int) -> None:
        super().__init__()
        self.groups = groups

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, c = x.shape[0], x.shape[1]
        x = x.reshape(b, self.groups, c // self.groups, *x.shape[2:])  # (B, C, ...) -> (B, g, C/g, ...)
        return x.transpose(1, 2).reshape(b, c, *x.shape[3:])  # (B, C/g, g, ...) -> (B, C, ...)


class StochasticDepth(nn.Module):
    """Randomly zero the whole input per sample ("row") or per batch while training, rescaling
    the survivors; identity when evaluating (as torchvision.ops.StochasticDepth)."""

    def __init__(self, p: float, mode: str = "row") -> None:
        super().__init__()
        self.p, self.mode = p, mode

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0.0:
            return x
        survival = 1.0 - self.p
        size = [x.shape[0]] + [1] * (x.ndim - 1) if self.mode == "row" else [1] * x.ndim
        noise = torch.empty(size, dtype=x.dtype, device=x.device).bernoulli_(survival)
        if survival > 0.0:
            noise.div_(survival)
        return x * noise


class LayerScale(nn.Module):
    """Multiply dim `dim` (batch excluded) by learned factors: weight is 1 everywhere but that dim."""

    def __init__(self, shape: tuple, dim: int, init_value: float) -> None:
        super().__init__()
        size = [1] * len(shape)
        size[dim] = shape[dim]
        self.weight = nn.Parameter(torch.full(size, float(init_value)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.weight


class Reshape(nn.Module):
    """Reshape each sample to `shape` (one entry may be -1)."""

    def __init__(self, shape: tuple) -> None:
        super().__init__()
        self.shape = tuple(shape)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.reshape(x.shape[0], *self.shape)  # (B, ...) -> (B, *shape)


class Permute(nn.Module):
    """Reorder the per-sample dims (0-based, batch excluded)."""

    def __init__(self, dims: tuple) -> None:
        super().__init__()
        self.dims = tuple(dims)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.permute(0, *(d + 1 for d in self.dims))


class Recurrent(nn.Module):
    """RNN/LSTM/GRU over (B, L, F) that returns the whole sequence or the last state."""

    def __init__(self, cell: str, input_size: int, hidden_size: int, num_layers: int,
                 bidirectional: bool, output: str, dropout: float = 0.0) -> None:
        super().__init__()
        kind = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}[cell]
        self.rnn = kind(input_size, hidden_size, num_layers=num_layers, batch_first=True,
                        bidirectional=bidirectional, dropout=dropout if num_layers > 1 else 0.0)
        self.output = output
        self.directions = 2 if bidirectional else 1

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        seq, state = self.rnn(x)  # seq: (B, L, D*H)
        if self.output == "sequence":
            return seq
        h = state[0] if isinstance(state, tuple) else state  # (layers*D, B, H)
        last = h[-self.directions:]  # (D, B, H): top layer, each direction
        return last.permute(1, 0, 2).reshape(x.shape[0], -1)  # (D, B, H) -> (B, D*H)


class PatchEmbed(nn.Module):
    """Image -> sequence of patch tokens with a learned position embedding (ViT)."""

    def __init__(self, in_channels: int, patch_size: int, embed_dim: int,
                 num_patches: int, cls_token: bool) -> None:
        super().__init__()
        self.proj = nn.Conv2d(in_channels, embed_dim, patch_size, stride=patch_size)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, embed_dim)) if cls_token else None
        tokens = num_patches + (1 if cls_token else 0)
        self.pos_embed = nn.Parameter(torch.randn(1, tokens, embed_dim) * 0.02)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.proj(x).flatten(2).transpose(1, 2)  # (B, D, h, w) -> (B, h*w, D)
        if self.cls_token is not None:
            cls = self.cls_token.expand(x.shape[0], -1, -1)
            x = torch.cat([cls, x], dim=1)  # (B, 1 + h*w, D)
        return x + self.pos_embed


class ClassToken(nn.Module):
    """Prepend one learned token to a (B, L, D) sequence: (B, L + 1, D) (ViT)."""

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.token = nn.Parameter(torch.zeros(1, 1, dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([self.token.expand(x.shape[0], -1, -1), x], dim=1)


class PositionEmbedding(nn.Module):
    """Add a learned tensor of the input's shape (ViT's position embedding)."""

    def __init__(self, shape: tuple) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.randn(1, *shape) * 0.02)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.weight


class SelfAttention(nn.Module):
    """Multi-head self-attention over a (B, L, D) sequence."""

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0) -> None:
        super().__init__()
        self.attn = nn.MultiheadAttention(embed_dim, num_heads, dropout=dropout, batch_first=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.attn(x, x, x, need_weights=False)[0]


class TransformerEncoder(nn.Module):
    """A stack of Transformer encoder layers over (B, L, D)."""

    def __init__(self, d_model: int, num_heads: int, dim_feedforward: int, num_layers: int,
                 dropout: float, activation: str, norm_first: bool, layer_norm_eps: float = 1e-5) -> None:
        super().__init__()
        layer = nn.TransformerEncoderLayer(d_model, num_heads, dim_feedforward, dropout,
                                           activation=activation, layer_norm_eps=layer_norm_eps,
                                           batch_first=True, norm_first=norm_first)
        self.encoder = nn.TransformerEncoder(layer, num_layers, enable_nested_tensor=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.encoder(x)


class TokenPool(nn.Module):
    """(B, L, D) -> (B, D): the first (class) token, or the mean over tokens."""

    def __init__(self, mode: str = "first") -> None:
        super().__init__()
        self.mode = mode

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x[:, 0] if self.mode == "first" else x.mean(dim=1)
