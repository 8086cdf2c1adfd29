"""CopulaGAN: CTGAN whose numeric columns first pass through their fitted marginal distribution to
normal scores, so that the mixture model sees near-Gaussian shapes even for skewed columns."""

from __future__ import annotations

from typing import ClassVar

from synthfoundry.tabular.encoding import NumericScheme
from synthfoundry.tabular.models.ctgan import CTGANSynthesizer


class CopulaGANSynthesizer(CTGANSynthesizer):
    name = "copulagan"
    description = "CTGAN on copula-normalised numeric columns."
    numeric_scheme: ClassVar[NumericScheme] = "copula_modes"
