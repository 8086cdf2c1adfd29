"""CTGAN (Xu et al. 2019, "Modeling Tabular Data using Conditional GAN"): a conditional
generator trained by sampling, mode-specific normalisation of numbers, a PacGAN critic and a
Wasserstein loss with gradient penalty. Written here from the paper.

Speed comes from vectorised training-by-sampling (no per-row Python), one fused gradient-penalty
pass and a sensible thread count; conditions on a category are met by the condition vector.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pandas as pd
import torch
from pydantic import Field
from torch import nn

from synthfoundry.synthesizers.base import Trial
from synthfoundry.tabular.conditions import ConditionSampler
from synthfoundry.tabular.neural import NeuralParams, NeuralSynthesizer, SpanLayout, draw


class CTGANParams(NeuralParams):
    embedding_dim: int = Field(default=128, ge=2, le=4096, description="noise dimensions")
    generator_dims: list[int] = Field(default=[256, 256], min_length=1, max_length=8)
    discriminator_dims: list[int] = Field(default=[256, 256], min_length=1, max_length=8)
    generator_lr: float = Field(default=2e-4, gt=0, le=1)
    discriminator_lr: float = Field(default=2e-4, gt=0, le=1)
    weight_decay: float = Field(default=1e-6, ge=0, le=1)
    pac: int = Field(default=10, ge=1, le=64, description="rows the critic judges together")
    discriminator_steps: int = Field(default=1, ge=1, le=20)
    gradient_penalty: float = Field(default=10.0, ge=0)


class Residual(nn.Module):
    def __init__(self, inputs: int, outputs: int) -> None:
        super().__init__()
        self.layer = nn.Sequential(nn.Linear(inputs, outputs), nn.BatchNorm1d(outputs), nn.ReLU())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([self.layer(x), x], dim=1)


def generator_network(inputs: int, dims: list[int], outputs: int) -> nn.Sequential:
    layers: list[nn.Module] = []
    for width in dims:
        layers.append(Residual(inputs, width))
        inputs += width
    layers.append(nn.Linear(inputs, outputs))
    return nn.Sequential(*layers)


class Critic(nn.Module):
    """Judges ``pac`` rows at once, which punishes a generator that collapses onto few modes."""

    def __init__(self, inputs: int, dims: list[int], pac: int) -> None:
        super().__init__()
        self.pac = pac
        layers: list[nn.Module] = []
        width = inputs * pac
        for hidden in dims:
            layers += [nn.Linear(width, hidden), nn.LeakyReLU(0.2), nn.Dropout(0.5)]
            width = hidden
        layers.append(nn.Linear(width, 1))
        self.network = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.network(x.reshape(-1, x.shape[1] * self.pac))  # type: ignore[no-any-return]


class CTGANSynthesizer(NeuralSynthesizer):
    name = "ctgan"
    description = "Conditional GAN with mode-specific normalisation (Xu et al. 2019)."
    Params = CTGANParams
    params: CTGANParams
    sampling_modules: ClassVar[tuple[str, ...]] = ("generator",)

    @classmethod
    def search_space(cls, trial: Trial, max_epochs: int) -> dict[str, Any]:
        return {
            "epochs": trial.suggest_int("epochs", max(1, max_epochs // 10), max_epochs),
            "batch_size": trial.suggest_int("batch_size", 100, 1000, step=100),
            "generator_lr": trial.suggest_float("generator_lr", 5e-5, 1e-3, log=True),
            "discriminator_lr": trial.suggest_float("discriminator_lr", 5e-5, 1e-3, log=True),
            "embedding_dim": trial.suggest_categorical("embedding_dim", [64, 128, 256]),
        }

    def _build(self, width: int) -> None:
        p = self.params
        self.conditions_ = ConditionSampler(np.zeros((0, width)), self.encoder_.discrete)
        self.generator_ = generator_network(
            p.embedding_dim + self.conditions_.width, p.generator_dims, width
        ).to(self.device)
        self.critic_ = Critic(width + self.conditions_.width, p.discriminator_dims, p.pac).to(
            self.device
        )
        self.generator_optimizer_ = torch.optim.Adam(
            self.generator_.parameters(),
            lr=p.generator_lr,
            betas=(0.5, 0.9),
            weight_decay=p.weight_decay,
            foreach=True,
        )
        self.critic_optimizer_ = torch.optim.Adam(
            self.critic_.parameters(),
            lr=p.discriminator_lr,
            betas=(0.5, 0.9),
            weight_decay=p.weight_decay,
            foreach=True,
        )

    def _modules(self) -> dict[str, nn.Module]:
        return {"generator": self.generator_, "critic": self.critic_}

    def _optimizers(self) -> dict[str, torch.optim.Optimizer]:
        return {"generator": self.generator_optimizer_, "critic": self.critic_optimizer_}

    def _batch(self, rows: int) -> int:
        pac = self.params.pac
        return max(pac, min(self.params.batch_size, rows) // pac * pac)

    def _prepare(self, data: torch.Tensor) -> None:
        self._training_conditions = ConditionSampler(data.cpu().numpy(), self.encoder_.discrete)
        self._layout = SpanLayout(self.encoder_.spans, self.device)
        # Where each position of a condition vector lies in the data's columns.
        positions = [span.start + k for span in self.encoder_.discrete for k in range(span.width)]
        self._condition_columns = torch.tensor(positions, dtype=torch.long, device=self.device)

    def _release(self) -> None:
        for name in ("_training_conditions", "_layout", "_condition_columns"):
            self.__dict__.pop(name, None)

    def _train_epoch(self, data: torch.Tensor, rng: np.random.Generator) -> dict[str, float]:
        sampler = self._training_conditions
        batch = self._batch(len(data))
        critic_loss = generator_loss = torch.zeros(())
        for _step in range(max(1, len(data) // batch)):
            for _ in range(self.params.discriminator_steps):
                _, fake, conditions, _, real_rows = self._fake_batch(batch, len(data), rng)
                shuffled = torch.from_numpy(rng.permutation(batch))
                real = torch.cat([data[real_rows][shuffled], conditions[shuffled]], dim=1)
                fake_input = torch.cat([fake.detach(), conditions], dim=1)
                critic_loss = self.critic_(fake_input).mean() - self.critic_(real).mean()
                penalty = self._gradient_penalty(real, fake_input)
                self.critic_optimizer_.zero_grad(set_to_none=True)
                (critic_loss + penalty).backward()
                self.critic_optimizer_.step()
            raw, fake, conditions, columns, _ = self._fake_batch(batch, len(data), rng)
            judged = self.critic_(torch.cat([fake, conditions], dim=1))
            generator_loss = -judged.mean() + self._condition_loss(
                raw, conditions, columns, sampler
            )
            self.generator_optimizer_.zero_grad(set_to_none=True)
            generator_loss.backward()
            self.generator_optimizer_.step()
        return {"critic": critic_loss.item(), "generator": generator_loss.item()}

    def _fake_batch(
        self, batch: int, rows: int, rng: np.random.Generator
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, np.ndarray, torch.Tensor]:
        """Raw and activated generator output, its conditions, their columns, and real rows
        matching those conditions."""
        sampler = self._training_conditions
        if sampler.active:
            vectors, columns, real_rows = sampler.for_training(batch, rng)
        else:
            vectors = np.zeros((batch, 0), np.float32)
            columns, real_rows = np.zeros(batch, int), rng.integers(0, rows, batch)
        conditions = torch.from_numpy(vectors).to(self.device)
        noise = torch.randn(batch, self.params.embedding_dim, device=self.device)
        raw = self.generator_(torch.cat([noise, conditions], dim=1))
        activated = self._layout.activate(raw)
        return raw, activated, conditions, columns, torch.from_numpy(real_rows).to(self.device)

    def _condition_loss(
        self,
        raw: torch.Tensor,
        conditions: torch.Tensor,
        columns: np.ndarray,
        sampler: ConditionSampler,
    ) -> torch.Tensor:
        """Cross-entropy pushing the generated category to the one the condition asked for:
        the log-probability of the asked category, read through the condition vector."""
        if not sampler.active:
            return torch.zeros((), device=self.device)
        log_probabilities = self._layout.log_softmax(raw)[:, self._condition_columns]
        return -(log_probabilities * conditions).sum() / len(columns)

    def _gradient_penalty(self, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
        if self.params.gradient_penalty == 0:
            return torch.zeros((), device=self.device)
        pac = self.params.pac
        alpha = torch.rand(real.shape[0] // pac, 1, 1, device=self.device)
        alpha = alpha.repeat(1, pac, real.shape[1]).view(-1, real.shape[1])
        mixed = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
        (gradients,) = torch.autograd.grad(
            self.critic_(mixed).sum(), mixed, create_graph=True, retain_graph=True
        )
        norms = gradients.view(-1, pac * real.shape[1]).norm(2, dim=1)
        penalty: torch.Tensor = ((norms - 1) ** 2).mean()
        return self.params.gradient_penalty * penalty

    def _generate(
        self, rows: int, rng: np.random.Generator, fixed: tuple[int, int] | None = None
    ) -> np.ndarray:
        vectors = self.conditions_.for_generation(rows, rng, fixed)
        noise = self._noise(rows, self.params.embedding_dim, rng)
        conditions = torch.from_numpy(vectors).to(self.device)
        self.generator_.eval()
        return self.generator_(torch.cat([noise, conditions], dim=1)).cpu().numpy()  # type: ignore[no-any-return]

    def _propose(
        self, rows: int, conditions: dict[str, Any], rng: np.random.Generator
    ) -> pd.DataFrame:
        for column, wanted in conditions.items():
            index = self.conditions_.span_index(column)
            category = self.encoder_.category_index(column, wanted)
            if index is not None and category is not None:
                with torch.no_grad():
                    raw = self._generate(rows, rng, fixed=(index, category))
                return self.encoder_.inverse(draw(raw, self.encoder_.spans, rng), rng)
        return self._sample(rows, rng)
