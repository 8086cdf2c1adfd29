"""TVAE (Xu et al. 2019): a variational autoencoder over the mode-normalised, one-hot table.
Numbers are decoded with a learned noise scale per output; categories with cross-entropy."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import torch
from pydantic import Field
from torch import nn

from synthfoundry.synthesizers.base import Trial
from synthfoundry.tabular.neural import NeuralParams, NeuralSynthesizer

SIGMA_RANGE = (0.01, 1.0)


class TVAEParams(NeuralParams):
    embedding_dim: int = Field(default=128, ge=2, le=4096, description="latent dimensions")
    compress_dims: list[int] = Field(default=[128, 128], min_length=1, max_length=8)
    decompress_dims: list[int] = Field(default=[128, 128], min_length=1, max_length=8)
    learning_rate: float = Field(default=1e-3, gt=0, le=1)
    l2_scale: float = Field(default=1e-5, ge=0, le=1)
    loss_factor: float = Field(default=2.0, gt=0, description="weight of reconstruction vs KL")


def _mlp(inputs: int, dims: list[int]) -> tuple[nn.Sequential, int]:
    layers: list[nn.Module] = []
    for width in dims:
        layers += [nn.Linear(inputs, width), nn.ReLU()]
        inputs = width
    return nn.Sequential(*layers), inputs


class Encoder(nn.Module):
    def __init__(self, width: int, dims: list[int], latent: int) -> None:
        super().__init__()
        self.body, hidden = _mlp(width, dims)
        self.mean, self.log_variance = nn.Linear(hidden, latent), nn.Linear(hidden, latent)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        hidden = self.body(x)
        return self.mean(hidden), self.log_variance(hidden)


class Decoder(nn.Module):
    def __init__(self, latent: int, dims: list[int], width: int) -> None:
        super().__init__()
        body, hidden = _mlp(latent, dims)
        self.network = nn.Sequential(*body, nn.Linear(hidden, width))
        self.sigma = nn.Parameter(torch.full((width,), 0.1))

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.network(z)  # type: ignore[no-any-return]


class TVAESynthesizer(NeuralSynthesizer):
    name = "tvae"
    description = "Variational autoencoder for tables (Xu et al. 2019)."
    Params = TVAEParams
    params: TVAEParams
    sampling_modules: ClassVar[tuple[str, ...]] = ("decoder",)

    @classmethod
    def search_space(cls, trial: Trial, max_epochs: int) -> dict[str, Any]:
        return {
            "epochs": trial.suggest_int("epochs", max(1, max_epochs // 10), max_epochs),
            "batch_size": trial.suggest_int("batch_size", 100, 1000, step=100),
            "learning_rate": trial.suggest_float("learning_rate", 1e-4, 3e-3, log=True),
            "embedding_dim": trial.suggest_categorical("embedding_dim", [64, 128, 256]),
            "loss_factor": trial.suggest_float("loss_factor", 1.0, 4.0),
        }

    def _build(self, width: int) -> None:
        p = self.params
        self.encoder_net_ = Encoder(width, p.compress_dims, p.embedding_dim).to(self.device)
        self.decoder_ = Decoder(p.embedding_dim, p.decompress_dims, width).to(self.device)
        self.optimizer_ = torch.optim.Adam(
            [*self.encoder_net_.parameters(), *self.decoder_.parameters()],
            lr=p.learning_rate,
            weight_decay=p.l2_scale,
            foreach=True,
        )

    def _modules(self) -> dict[str, nn.Module]:
        return {"encoder": self.encoder_net_, "decoder": self.decoder_}

    def _optimizers(self) -> dict[str, torch.optim.Optimizer]:
        return {"adam": self.optimizer_}

    def _train_epoch(self, data: torch.Tensor, rng: np.random.Generator) -> dict[str, float]:
        batch = min(self.params.batch_size, len(data))
        order = torch.from_numpy(rng.permutation(len(data))).to(self.device)
        total, steps = 0.0, 0
        for start in range(0, len(data) - batch + 1, batch):
            real = data[order[start : start + batch]]
            mean, log_variance = self.encoder_net_(real)
            z = mean + torch.randn_like(mean) * torch.exp(0.5 * log_variance)
            reconstruction, divergence = self._losses(real, self.decoder_(z), mean, log_variance)
            loss = self.params.loss_factor * reconstruction + divergence
            self.optimizer_.zero_grad(set_to_none=True)
            loss.backward()
            self.optimizer_.step()
            self.decoder_.sigma.data.clamp_(*SIGMA_RANGE)
            total, steps = total + loss.item(), steps + 1
        return {"loss": total / max(steps, 1)}

    def _losses(
        self, real: torch.Tensor, decoded: torch.Tensor, mean: torch.Tensor, log_var: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        sigma = self.decoder_.sigma
        terms = []
        for span in self.encoder_.spans:
            end = span.start + span.width
            if span.activation == "tanh":
                std = sigma[span.start : end]
                error = (real[:, span.start : end] - torch.tanh(decoded[:, span.start : end])) ** 2
                terms.append((error / 2 / std**2).sum() + torch.log(std).sum() * len(real))
            else:
                wanted = real[:, span.start : end].argmax(dim=1)
                terms.append(
                    nn.functional.cross_entropy(
                        decoded[:, span.start : end], wanted, reduction="sum"
                    )
                )
        divergence = -0.5 * torch.sum(1 + log_var - mean**2 - log_var.exp())
        return sum(terms, torch.zeros(())) / len(real), divergence / len(real)

    def _generate(self, rows: int, rng: np.random.Generator) -> np.ndarray:
        z = self._noise(rows, self.params.embedding_dim, rng)
        decoded = self.decoder_(z).cpu().numpy()
        sigma = self.decoder_.sigma.detach().cpu().numpy()
        # Numbers get the decoder's learned noise; draw() applies tanh and picks categories.
        noisy = decoded + rng.standard_normal(decoded.shape, dtype=np.float32) * sigma
        tanh_columns = np.zeros(decoded.shape[1], dtype=bool)
        for span in self.encoder_.spans:
            if span.activation == "tanh":
                tanh_columns[span.start : span.start + span.width] = True
        return np.asarray(np.where(tanh_columns, noisy, decoded))
