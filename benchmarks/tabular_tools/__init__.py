"""Runners for benchmarks/tabular.py: each runs in its own process (and, for other tools, its
own virtual environment), fits one model, writes the sample and prints its timings as JSON."""
