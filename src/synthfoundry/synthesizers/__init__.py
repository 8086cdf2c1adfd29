"""The synthesizer interface every model implements, its registry, and safe model files."""

from synthfoundry.synthesizers.base import Capabilities, Modality, Stop, Synthesizer, never
from synthfoundry.synthesizers.registry import get_synthesizer, list_synthesizers, load_synthesizer

__all__ = [
    "Capabilities",
    "Modality",
    "Stop",
    "Synthesizer",
    "get_synthesizer",
    "list_synthesizers",
    "load_synthesizer",
    "never",
]
