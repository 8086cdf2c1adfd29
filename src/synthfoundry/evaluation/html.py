"""The report as one self-contained HTML page."""

from __future__ import annotations

from html import escape

from synthfoundry.evaluation.report import QualityReport
from synthfoundry.evaluation.svg import REAL_COLOUR, SYNTHETIC_COLOUR, heatmap, paired_bars

STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem;max-width:1100px;color:#222}
h1{margin-bottom:.2rem} .muted{color:#666} table{border-collapse:collapse;margin:.5rem 0}
td,th{border-bottom:1px solid #ddd;padding:.25rem .6rem;text-align:left;font-size:.9rem}
.scores{display:flex;gap:1rem;flex-wrap:wrap}
.score{border:1px solid #ddd;border-radius:8px;padding:.8rem 1.2rem}
.score b{font-size:1.6rem;display:block} .grid{display:flex;flex-wrap:wrap;gap:1rem}
.plot{border:1px solid #eee;padding:.4rem}
.legend span{display:inline-block;width:.8rem;height:.8rem;margin:0 .3rem}
"""


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"


def _score_cards(report: QualityReport) -> str:
    cards = [("Fidelity", report.fidelity.score), ("Validity", report.validity.score)]
    if report.holdout_fidelity:
        cards.append(("Fidelity on unseen rows", report.holdout_fidelity.score))
    if report.utility:
        cards.append(("Utility (TSTR/TRTR)", report.utility.score))
    if report.privacy:
        cards.append(("Closer to train (0.5 ideal)", report.privacy.closer_to_train_share))
    return "".join(
        f'<div class="score">{escape(name)}<b>{_percent(value)}</b></div>' for name, value in cards
    )


def _rows(headers: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{escape(header)}</th>" for header in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in row) + "</tr>" for row in rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def _against_holdout(report: QualityReport) -> str:
    scored = report.holdout_fidelity
    if scored is None:
        return "<p>No holdout given: fidelity was not scored against unseen rows.</p>"
    table = _rows(
        ["", "Overall", "Column shapes", "Column pair trends"],
        [
            [
                "Synthetic",
                _percent(scored.score),
                _percent(scored.column_shapes),
                _percent(scored.column_pair_trends),
            ],
            [
                "Training rows (ceiling)",
                _percent(scored.ceiling),
                _percent(scored.ceiling_column_shapes),
                _percent(scored.ceiling_column_pair_trends),
            ],
        ],
    )
    return (
        f"<h3>Against unseen rows (the holdout)</h3>{table}<p>{scored.rows} rows of each; the "
        f"synthetic rows reach {_percent(scored.relative)} of the ceiling.</p>"
    )


def _utility(report: QualityReport) -> str:
    utility = report.utility
    if utility is None:
        return "<p class='muted'>No target was given.</p>"
    metrics = sorted(utility.tstr)
    return (
        f"<p>Target <b>{escape(utility.target)}</b> ({utility.task}), tested on the "
        f"{'holdout' if utility.test_set == 'holdout' else 'real split'} "
        f"({utility.test_rows} rows).</p>"
        + _rows(
            ["", *metrics],
            [
                ["Train on synthetic", *[f"{utility.tstr[m]:.4f}" for m in metrics]],
                ["Train on real", *[f"{utility.trtr[m]:.4f}" for m in metrics]],
            ],
        )
        + f"<p>Feature importance agreement (Spearman): {utility.importance_agreement}</p>"
    )


def _privacy(report: QualityReport) -> str:
    privacy = report.privacy
    if privacy is None:
        return "<p class='muted'>No holdout was given.</p>"
    table = _rows(
        ["measure", "synthetic", "holdout (baseline)"],
        [
            [
                "distance to closest training row, 5th percentile",
                f"{privacy.dcr_synthetic_to_train.p05:.4f}",
                f"{privacy.dcr_holdout_to_train.p05:.4f}",
            ],
            [
                "distance to closest training row, median",
                f"{privacy.dcr_synthetic_to_train.median:.4f}",
                f"{privacy.dcr_holdout_to_train.median:.4f}",
            ],
            [
                "exact copies of training rows",
                _percent(privacy.exact_copy_rate),
                _percent(privacy.holdout_exact_copy_rate),
            ],
            [
                "nearest-neighbour distance ratio, median",
                f"{privacy.nndr_synthetic_median:.3f}",
                f"{privacy.nndr_holdout_median:.3f}",
            ],
        ],
    )
    labels = [f"{edge:.3g}" for edge in privacy.histogram_edges[:-1]]
    total_s, total_h = (
        max(sum(privacy.histogram_synthetic), 1),
        max(sum(privacy.histogram_holdout), 1),
    )
    chart = paired_bars(
        labels,
        [c / total_h for c in privacy.histogram_holdout],
        [c / total_s for c in privacy.histogram_synthetic],
        width=600,
    )
    return (
        f"{table}<p>Closer to train than to holdout: "
        f"<b>{_percent(privacy.closer_to_train_share)}</b>; "
        f"membership inference AUC <b>{privacy.membership_inference_auc:.3f}</b> (0.5: no signal). "
        f"Sample: {privacy.sample_rows} rows; encoding: {escape(privacy.encoding)}.</p>"
        f"<p class='legend'>Distance to closest training row: "
        f"<span style='background:{REAL_COLOUR}'></span>holdout "
        f"<span style='background:{SYNTHETIC_COLOUR}'></span>synthetic</p>{chart}"
    )


def render(report: QualityReport) -> str:
    fidelity = report.fidelity
    shapes = _rows(
        ["column", "kind", "metric", "score", "missing similarity", "coverage"],
        [
            [
                c.column,
                c.kind,
                c.metric,
                f"{c.score:.3f}",
                f"{c.missing_similarity:.3f}",
                f"{c.coverage:.3f}",
            ]
            for c in fidelity.columns
        ],
    )
    worst_pairs = sorted(fidelity.pairs, key=lambda pair: pair.score)[:15]
    pairs = _rows(
        ["columns", "metric", "score"],
        [[" x ".join(p.columns), p.metric, f"{p.score:.3f}"] for p in worst_pairs],
    )
    plots = "".join(
        f'<div class="plot"><b>{escape(plot.column)}</b><br>'
        f"{paired_bars(plot.labels, plot.real, plot.synthetic)}</div>"
        for plot in report.plots.columns
    )
    validity = _rows(
        [
            "column",
            "out of range",
            "unknown categories",
            "null rate real",
            "null rate synthetic",
            "duplicate keys",
        ],
        [
            [
                c.column,
                _percent(c.out_of_range),
                _percent(c.unknown_categories),
                _percent(c.null_rate_real),
                _percent(c.null_rate_synthetic),
                _percent(c.duplicate_keys),
            ]
            for c in report.validity.columns
        ],
    )
    names = report.plots.association_columns
    real_heatmap = heatmap(names, report.plots.association_real)
    synthetic_heatmap = heatmap(names, report.plots.association_synthetic)
    notes = "".join(f"<li>{escape(note)}</li>" for note in report.notes)
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Synthetic data quality report</title><style>{STYLE}</style></head><body>
<h1>Synthetic data quality report</h1>
<p class="muted">{report.created_at:%Y-%m-%d %H:%M} UTC; real {report.rows["real"]} rows, synthetic
{report.rows["synthetic"]}, holdout {report.rows["holdout"]}; computed in {report.seconds:.1f} s</p>
<div class="scores">{_score_cards(report)}</div><ul>{notes}</ul>
<h2>Fidelity</h2><p>Column shapes {_percent(fidelity.column_shapes)}, column pair trends
{_percent(fidelity.column_pair_trends)}, missing values {_percent(fidelity.missing_similarity)},
coverage {_percent(fidelity.coverage)}.</p>{_against_holdout(report)}
<p class="legend"><span style="background:{REAL_COLOUR}"></span>real
<span style="background:{SYNTHETIC_COLOUR}"></span>synthetic</p><div class="grid">{plots}</div>
<h3>Associations (Pearson's r for numbers, Cramer's V otherwise)</h3>
<div class="grid"><div class="plot"><b>Real</b><br>{real_heatmap}</div>
<div class="plot"><b>Synthetic</b><br>{synthetic_heatmap}</div></div>
<h3>Columns</h3>{shapes}<h3>Least similar column pairs</h3>{pairs}
<h2>Utility</h2>{_utility(report)}
<h2>Privacy</h2>{_privacy(report)}
<h2>Validity</h2><p>Score {_percent(report.validity.score)}.</p>{validity}
</body></html>"""
