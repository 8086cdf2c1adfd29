"""GANerAid-style GAN (Nik et al. 2022, built for small clinical tables): an LSTM generator that
writes a row one column at a time, each step seeing the noise and what it wrote before, and an
MLP discriminator with the standard (non-saturating) GAN loss. Numbers are min-max scaled,
categories one-hot."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import torch
from pydantic import Field
from torch import nn

from synthfoundry.synthesizers.base import Trial
from synthfoundry.tabular.encoding import NumericScheme
from synthfoundry.tabular.neural import NeuralParams, NeuralSynthesizer, SpanLayout


class GANerAidParams(NeuralParams):
    epochs: int = Field(default=500, ge=1, le=100_000, description="passes over the data")
    batch_size: int = Field(default=100, ge=10, le=100_000, description="rows per training step")
    hidden_size: int = Field(default=200, ge=8, le=4096, description="LSTM and critic width")
    noise_dim: int = Field(default=64, ge=2, le=4096)
    generator_lr: float = Field(default=5e-4, gt=0, le=1)
    discriminator_lr: float = Field(default=5e-4, gt=0, le=1)


class ColumnLSTM(nn.Module):
    """One LSTM step per column block; the step's head turns its hidden state into the block."""

    def __init__(self, noise_dim: int, hidden: int, blocks: list[int]) -> None:
        super().__init__()
        self.blocks = blocks
        self.widest = max(blocks)
        self.cell = nn.LSTMCell(noise_dim + self.widest, hidden)
        self.start = nn.Linear(noise_dim, hidden)
        self.heads = nn.ModuleList(nn.Linear(hidden, width) for width in blocks)

    def forward(self, noise: torch.Tensor) -> torch.Tensor:
        hidden = torch.tanh(self.start(noise))
        cell = torch.zeros_like(hidden)
        previous = torch.zeros(len(noise), self.widest, device=noise.device)
        outputs = []
        for width, head in zip(self.blocks, self.heads, strict=True):
            hidden, cell = self.cell(torch.cat([noise, previous], dim=1), (hidden, cell))
            block = head(hidden)
            outputs.append(block)
            previous = nn.functional.pad(torch.tanh(block), (0, self.widest - width))
        return torch.cat(outputs, dim=1)


class GANerAidSynthesizer(NeuralSynthesizer):
    name = "ganeraid"
    description = "GANerAid-style GAN with an LSTM generator, for small tables."
    Params = GANerAidParams
    params: GANerAidParams
    numeric_scheme: ClassVar[NumericScheme] = "minmax"
    sampling_modules: ClassVar[tuple[str, ...]] = ("generator",)

    @classmethod
    def search_space(cls, trial: Trial, max_epochs: int) -> dict[str, Any]:
        return {
            "epochs": trial.suggest_int("epochs", max(1, max_epochs // 10), max_epochs),
            "hidden_size": trial.suggest_int("hidden_size", 50, 400, log=True),
            "generator_lr": trial.suggest_float("generator_lr", 1e-4, 2e-3, log=True),
            "discriminator_lr": trial.suggest_float("discriminator_lr", 1e-4, 2e-3, log=True),
        }

    def _build(self, width: int) -> None:
        p = self.params
        blocks = [column.width for column in self.encoder_.columns if column.width] or [width]
        self.generator_ = ColumnLSTM(p.noise_dim, p.hidden_size, blocks).to(self.device)
        self.discriminator_ = nn.Sequential(
            nn.Linear(width, p.hidden_size * 2),
            nn.LeakyReLU(0.2),
            nn.Dropout(0.3),
            nn.Linear(p.hidden_size * 2, p.hidden_size),
            nn.LeakyReLU(0.2),
            nn.Dropout(0.3),
            nn.Linear(p.hidden_size, 1),
        ).to(self.device)
        self.generator_optimizer_ = torch.optim.Adam(
            self.generator_.parameters(), lr=p.generator_lr, betas=(0.5, 0.999), foreach=True
        )
        self.discriminator_optimizer_ = torch.optim.Adam(
            self.discriminator_.parameters(),
            lr=p.discriminator_lr,
            betas=(0.5, 0.999),
            foreach=True,
        )

    def _modules(self) -> dict[str, nn.Module]:
        return {"generator": self.generator_, "discriminator": self.discriminator_}

    def _prepare(self, data: torch.Tensor) -> None:
        self._layout = SpanLayout(self.encoder_.spans, self.device)

    def _release(self) -> None:
        self.__dict__.pop("_layout", None)

    def _optimizers(self) -> dict[str, torch.optim.Optimizer]:
        return {
            "generator": self.generator_optimizer_,
            "discriminator": self.discriminator_optimizer_,
        }

    def _train_epoch(self, data: torch.Tensor, rng: np.random.Generator) -> dict[str, float]:
        batch = min(self.params.batch_size, len(data))
        order = torch.from_numpy(rng.permutation(len(data))).to(self.device)
        loss = nn.functional.binary_cross_entropy_with_logits
        d_loss = g_loss = torch.zeros(())
        for start in range(0, len(data) - batch + 1, batch):
            real = data[order[start : start + batch]]
            ones = torch.ones(batch, 1, device=self.device)
            zeros = torch.zeros(batch, 1, device=self.device)
            noise = torch.randn(batch, self.params.noise_dim, device=self.device)
            fake = self._layout.activate(self.generator_(noise))
            d_loss = loss(self.discriminator_(real), ones) + loss(
                self.discriminator_(fake.detach()), zeros
            )
            self.discriminator_optimizer_.zero_grad(set_to_none=True)
            d_loss.backward()
            self.discriminator_optimizer_.step()
            g_loss = loss(self.discriminator_(fake), ones)
            self.generator_optimizer_.zero_grad(set_to_none=True)
            g_loss.backward()
            self.generator_optimizer_.step()
        return {"discriminator": d_loss.item(), "generator": g_loss.item()}

    def _generate(self, rows: int, rng: np.random.Generator) -> np.ndarray:
        noise = self._noise(rows, self.params.noise_dim, rng)
        return self.generator_(noise).cpu().numpy()  # type: ignore[no-any-return]
