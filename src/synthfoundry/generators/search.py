"""Hyper-parameter search spaces, one per built-in synthesizer, for Optuna trials."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import optuna

SearchSpace = Callable[[optuna.Trial, int], dict[str, Any]]


def _sequential_trees(trial: optuna.Trial, max_epochs: int) -> dict[str, Any]:
    return {
        "min_leaf": trial.suggest_int("min_leaf", 2, 200, log=True),
        "smoothing": trial.suggest_categorical("smoothing", [True, False]),
        "order": trial.suggest_categorical("order", ["auto", "given"]),
    }


def _gaussian_copula(trial: optuna.Trial, max_epochs: int) -> dict[str, Any]:
    families = ["auto", "empirical", "normal", "beta", "gamma", "uniform"]
    return {"marginals": trial.suggest_categorical("marginals", families)}


def _gan(trial: optuna.Trial, max_epochs: int) -> dict[str, Any]:
    return {
        "epochs": trial.suggest_int("epochs", max(1, max_epochs // 10), max_epochs),
        "batch_size": trial.suggest_int("batch_size", 100, 1000, step=100),
        "generator_lr": trial.suggest_float("generator_lr", 5e-5, 1e-3, log=True),
        "discriminator_lr": trial.suggest_float("discriminator_lr", 5e-5, 1e-3, log=True),
        "embedding_dim": trial.suggest_categorical("embedding_dim", [64, 128, 256]),
    }


def _tvae(trial: optuna.Trial, max_epochs: int) -> dict[str, Any]:
    return {
        "epochs": trial.suggest_int("epochs", max(1, max_epochs // 10), max_epochs),
        "batch_size": trial.suggest_int("batch_size", 100, 1000, step=100),
        "learning_rate": trial.suggest_float("learning_rate", 1e-4, 3e-3, log=True),
        "embedding_dim": trial.suggest_categorical("embedding_dim", [64, 128, 256]),
        "loss_factor": trial.suggest_float("loss_factor", 1.0, 4.0),
    }


def _ganeraid(trial: optuna.Trial, max_epochs: int) -> dict[str, Any]:
    return {
        "epochs": trial.suggest_int("epochs", max(1, max_epochs // 10), max_epochs),
        "hidden_size": trial.suggest_int("hidden_size", 50, 400, log=True),
        "generator_lr": trial.suggest_float("generator_lr", 1e-4, 2e-3, log=True),
        "discriminator_lr": trial.suggest_float("discriminator_lr", 1e-4, 2e-3, log=True),
    }


SEARCH_SPACES: dict[str, SearchSpace] = {
    "sequential_trees": _sequential_trees,
    "gaussian_copula": _gaussian_copula,
    "ctgan": _gan,
    "copulagan": _gan,
    "tvae": _tvae,
    "ganeraid": _ganeraid,
}
