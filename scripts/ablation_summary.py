#!/usr/bin/env python3
"""Summary of scripts/ablation.sh (issue 18): per row of configs/ablation/, mean ± sd over seeds of the validation
NLL (last evaluation of the run, from runs/<run>/metrics.jsonl) and of the pooled test NLL, cov90 and cov50 of
`marketgpt evaluate` (runs/<run>/evaluation.json), then the paired per-seed differences row − default.

A difference is called "beyond seed noise" when the mean paired difference is larger than twice its standard
error (sd of the paired differences / sqrt(seeds)) AND larger than the default row's seed-to-seed sd.
Negative NLL differences are improvements. Standard library only.

usage: scripts/ablation_summary.py [--rows "default indicators …"] [--seeds "1 2 3 4 5"] [--json OUT] RUNS_FOLDER
"""
import argparse
import json
import math
import os
import sys


def fail(message):
    print(f"ablation_summary: {message}", file=sys.stderr)
    sys.exit(2)


def mean(xs):
    return sum(xs) / len(xs)


def sd(xs):
    """Sample standard deviation (n − 1); 0 for a single value."""
    if len(xs) < 2:
        return 0.0
    m = mean(xs)
    return math.sqrt(sum((x - m) ** 2 for x in xs) / (len(xs) - 1))


def last_validation(path):
    """(step, val NLL) of the last record of metrics.jsonl that has a validation loss."""
    last = None
    try:
        with open(path) as f:
            for number, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as e:
                    fail(f"{path} line {number}: not JSON ({e.msg})")
                if "val_loss" in record:
                    last = (record["step"], record["val_loss"])
    except OSError as e:
        fail(f"{path}: cannot read ({e.strerror})")
    if last is None:
        fail(f"{path}: no record with val_loss")
    return last


def pooled_model_scores(path):
    """The model's pooled test scores of an evaluation report: (targets, nll, cov90, cov50)."""
    try:
        with open(path) as f:
            report = json.load(f)
    except (OSError, json.JSONDecodeError) as e:
        fail(f"{path}: cannot read the evaluation report ({e})")
    pooled = report.get("pooled")
    if pooled is None:
        fail(f"{path}: key pooled: missing (one category only?)")
    card = pooled.get("scores", {}).get("model")
    if card is None:
        fail(f"{path}: key pooled.scores.model: missing")
    baselines = {name: (c["nll"], c["coverage90"], c["coverage50"])
                 for name, c in pooled["scores"].items() if name != "model"}
    return pooled["targets"], card["nll"], card["coverage90"], card["coverage50"], baselines


def collect(runs, rows, seeds):
    table = {}
    for row in rows:
        for seed in seeds:
            run = os.path.join(runs, f"ablation-{row}-s{seed}")
            step, val = last_validation(os.path.join(run, "metrics.jsonl"))
            targets, nll, cov90, cov50, baselines = pooled_model_scores(os.path.join(run, "evaluation.json"))
            table[(row, seed)] = {"step": step, "val_nll": val, "targets": targets, "test_nll": nll,
                                  "cov90": cov90, "cov50": cov50, "baselines": baselines}
    return table


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", default="default indicators mixup synthetic no_embedding_dropout")
    parser.add_argument("--seeds", default="1 2 3 4 5")
    parser.add_argument("--json", help="also write the per-run figures and the summary as JSON to this file")
    parser.add_argument("runs", help="the runs/ folder of scripts/ablation.sh")
    args = parser.parse_args()
    rows, seeds = args.rows.split(), args.seeds.split()
    if "default" not in rows:
        fail("--rows must include default (the rows are compared with it)")
    table = collect(args.runs, rows, seeds)

    targets = {v["targets"] for v in table.values()}
    steps = {v["step"] for v in table.values()}
    if len(targets) != 1:
        fail(f"the runs were scored on different numbers of test targets {sorted(targets)}: not the same protocol")
    print(f"{len(rows)} rows × {len(seeds)} seeds ({' '.join(seeds)}); validation NLL at step {'/'.join(map(str, sorted(steps)))}; "
          f"pooled test targets {targets.pop()} (same for every run)\n")

    baselines = {json.dumps(v["baselines"], sort_keys=True) for v in table.values()}
    if len(baselines) != 1:
        fail("the baselines' scores differ between runs: the runs were not scored on the same targets")
    print("Baselines on the same targets (test NLL, cov90, cov50): " + "; ".join(
        f"{name} {nll:.4f}, {c90:.3f}, {c50:.3f}" for name, (nll, c90, c50) in sorted(json.loads(baselines.pop()).items())) + "\n")

    metrics = [("val_nll", "val NLL", 4), ("test_nll", "test NLL", 4), ("cov90", "cov90", 3), ("cov50", "cov50", 3)]
    print("| row | " + " | ".join(f"{label} (mean ± sd)" for _, label, _ in metrics) + " |")
    print("|---|" + "---|" * len(metrics))
    for row in rows:
        cells = []
        for key, _, digits in metrics:
            xs = [table[(row, s)][key] for s in seeds]
            cells.append(f"{mean(xs):.{digits}f} ± {sd(xs):.{digits}f}")
        print(f"| {row} | " + " | ".join(cells) + " |")

    print("\nPaired differences row − default per seed (the same --seed in both runs):\n")
    print("| row | Δ val NLL per seed | Δ val mean ± sd | Δ test NLL per seed | Δ test mean ± sd | Δ cov90 mean | Δ cov50 mean | beyond seed noise? |")
    print("|---|---|---|---|---|---|---|---|")
    summary = {}
    for row in rows:
        if row == "default":
            continue
        entry, verdicts = {}, []
        for key in ("val_nll", "test_nll", "cov90", "cov50"):
            diffs = [table[(row, s)][key] - table[("default", s)][key] for s in seeds]
            spread = sd([table[("default", s)][key] for s in seeds])
            se = sd(diffs) / math.sqrt(len(diffs))
            beyond = len(diffs) > 1 and abs(mean(diffs)) > 2 * se and abs(mean(diffs)) > spread
            entry[key] = {"diffs": diffs, "mean": mean(diffs), "sd": sd(diffs), "default_sd": spread, "beyond_noise": beyond}
            if key in ("val_nll", "test_nll") and beyond:
                verdicts.append(f"{key.split('_')[0]} {'better' if mean(diffs) < 0 else 'worse'}")
        summary[row] = entry
        v, t = entry["val_nll"], entry["test_nll"]
        verdict = (', '.join(verdicts) or 'no') if len(seeds) > 1 else 'n/a (one seed)'
        print(f"| {row} | {' '.join(f'{d:+.4f}' for d in v['diffs'])} | {v['mean']:+.4f} ± {v['sd']:.4f} "
              f"| {' '.join(f'{d:+.4f}' for d in t['diffs'])} | {t['mean']:+.4f} ± {t['sd']:.4f} "
              f"| {entry['cov90']['mean']:+.3f} | {entry['cov50']['mean']:+.3f} | {verdict} |")
    spread_val = sd([table[("default", s)]["val_nll"] for s in seeds])
    spread_test = sd([table[("default", s)]["test_nll"] for s in seeds])
    print(f"\nSeed-to-seed sd of the default row: val NLL {spread_val:.4f}, test NLL {spread_test:.4f}.")
    if args.json:
        out = {"runs": {f"{r}-s{s}": v for (r, s), v in table.items()}, "paired": summary}
        tmp = args.json + ".tmp"
        with open(tmp, "w") as f:
            json.dump(out, f, indent=1)
        os.replace(tmp, args.json)


if __name__ == "__main__":
    main()
