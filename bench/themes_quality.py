"""Candidate themes: speed on 100,000 responses, and grouping quality against human labels.

    PYTHONPATH=src python bench/themes_quality.py                   # every representation
    PYTHONPATH=src python bench/themes_quality.py --representations tfidf,static
    PYTHONPATH=src python bench/themes_quality.py --csv answers.csv  # and a text,label CSV
    PYTHONPATH=src python bench/themes_quality.py --rows 20000 --tries 3 --json out.json

Each representation is measured in a process of its own, so that its peak resident memory
(`resource.getrusage`, ru_maxrss: model, vectors and grouping together) is its alone.

Speed. 100,000 responses (`--rows`) are made from the Banking77 training and test sets
(13,083 labelled customer messages) by drawing messages at random with replacement and
varying each lightly, so that nearly all are distinct: an opening ("Hi, ", "Hello. ", ...) or
none, a closing (" Thanks.", " Please advise.", ...) or none, and, each with probability
0.2, one word dropped, two neighbouring letters swapped, or the whole message in lower case.
The seed is fixed, so every run gets the same responses. Timed, in a fresh process: loading
the model (the first call, one text), the vectors (`representations.embed`), the grouping
with k chosen automatically (`grouping.group`), and the pipeline end to end
(`candidates.find_themes`: duplicates, vectors, grouping, labels and quotes), and that again
with the vectors already computed, as the workspace has them when they were stored as the
responses arrived; each as wall time and this process's CPU time. `--tries N` repeats the
timed steps and keeps the fastest.
The CPU that other processes used meanwhile is reported as a share of one core: on a
shared machine, numbers taken while it is high are not worth much.

Quality. Each labelled set (the Banking77 test set, 3,080 messages in 77 intents, and any
`--csv` file with `text,label` columns) is turned into vectors and grouped twice: into as many
groups as it has labels, and with k chosen automatically. The groups found are scored against
the human labels with normalised mutual information (NMI) and the adjusted Rand index (ARI),
"Other / unclear" counting as one more group; with the share in "Other / unclear", the
stability of the automatic grouping (`grouping.stability`: mean ARI between groupings found
from three other random samples of the rows and one from seed 0), and the share of texts taken
for non-answers (`non_answers`: on sets with none, such as Banking77, every one is a false
alarm). Assignment: 5% of the texts (at least one of each label, drawn with a fixed seed) stand
for an analyst's confirmed themes, as anchors; every other text is assigned by the engine's
rule (`assignment.by_self_training`: a linear classifier trained on the anchors and on what
label spreading gives every other text, a second theme at 70% of the first's probability)
and, for comparison in the same run, by the rules before it (`by_spreading`: centres learnt
by label spreading from the anchors, a second theme at 90% of the first's similarity;
`by_centroid`: the mean of the anchors alone), and scored by sample-F1 (per text, twice the
labels shared over the labels given plus the true ones; a second theme that is wrong costs);
for each of five seeds drawing the anchors (`F1_SEEDS`), reported as the mean, lowest and
highest.

Banking77: PolyAI, Casanueva et al. (2020), "Efficient Intent Detection with Dual Sentence
Encoders", licence CC BY 4.0.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

BANKING77 = Path(__file__).resolve().parents[2] / "shared" / "data" / "banking77"
OPENINGS = ["Hi, ", "Hello. ", "Hi there, ", "Quick question: ", "Good morning. ", "Hey, "]
CLOSINGS = [" Thanks.", " Thank you!", " Please advise.", " Any help appreciated.", " Cheers."]


def read_labelled(path: Path) -> tuple[list[str], list[str]]:
    """Texts and labels from a CSV whose first two columns are text and label."""
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if not header or len(header) < 2:
            raise SystemExit(f"{path}: expected a header row with text and label columns")
        rows = [row for row in reader if len(row) >= 2 and row[0].strip()]
    if not rows:
        raise SystemExit(f"{path}: no rows with a text and a label")
    return [row[0] for row in rows], [row[1] for row in rows]


def vary(text: str, rng: random.Random) -> str:
    """The same message, lightly changed (see the module's docstring)."""
    words = text.split()
    roll = rng.random()
    if roll < 0.2 and len(words) > 3:
        del words[rng.randrange(len(words))]
    elif roll < 0.4:
        i = rng.randrange(len(words))
        word = words[i]
        if len(word) > 3:
            j = rng.randrange(len(word) - 1)
            words[i] = word[:j] + word[j + 1] + word[j] + word[j + 2 :]
    elif roll < 0.6:
        words = [word.lower() for word in words]
    text = " ".join(words)
    if rng.random() < 0.5:
        text = rng.choice(OPENINGS) + text[:1].lower() + text[1:]
    if rng.random() < 0.5:
        text = text.rstrip(".?!") + "." + rng.choice(CLOSINGS)
    return text


def corpus(rows: int, banking77: Path, seed: int = 2026) -> tuple[list[str], list[str]]:
    """`rows` lightly varied Banking77 messages (train and test), and their labels."""
    texts, labels = [], []
    for name in ("train.csv", "test.csv"):
        more_texts, more_labels = read_labelled(banking77 / name)
        texts += more_texts
        labels += more_labels
    rng = random.Random(seed)
    picks = [rng.randrange(len(texts)) for _ in range(rows)]
    return [vary(texts[i], rng) for i in picks], [labels[i] for i in picks]


class Meter:
    """Wall time, this process's CPU time, and other processes' CPU (share of one core)."""

    def __enter__(self) -> Meter:
        self.wall, self.cpu, self.busy = time.perf_counter(), time.process_time(), _busy()
        return self

    def __exit__(self, *_) -> None:
        self.wall = time.perf_counter() - self.wall
        self.cpu = time.process_time() - self.cpu
        busy = _busy() - self.busy
        self.others = max(0.0, busy - self.cpu) / self.wall * 100 if self.wall else 0.0


def _busy() -> float:
    """Seconds of CPU the whole machine has used since it started (all but idle and iowait)."""
    with open("/proc/stat") as handle:
        fields = [int(value) for value in handle.readline().split()[1:]]
    return (sum(fields) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def fastest(tries: int, step: Callable[[], object]) -> tuple[Meter, object]:
    """Run `step` `tries` times; the Meter of the fastest run and its result."""
    best, result = None, None
    for _ in range(tries):
        with Meter() as meter:
            value = step()
        if best is None or meter.wall < best.wall:
            best, result = meter, value
    return best, result


def scores(labels: list[str], found) -> dict:
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    return {
        "nmi": normalized_mutual_info_score(labels, found),
        "ari": adjusted_rand_score(labels, found),
        "other": float((found == -1).mean()),
    }


RULES = ("by_self_training", "by_spreading", "by_centroid")  # the engine's rule first
F1_SEEDS = (0, 1, 2, 3, 4)


def seeded_f1(
    vectors, labels: list[str], share: float = 0.05, seed: int = 0, rule: str = RULES[0]
) -> dict:
    """Sample-F1 of one of the engine's assignment rules with `share` of the texts as
    anchors, drawn with `seed`."""
    import numpy as np

    from soundingboard.analyse.themes.engine import assignment

    rng = random.Random(seed)
    names = sorted(set(labels))
    by_label: dict[str, list[int]] = {name: [] for name in names}
    for row, label in enumerate(labels):
        by_label[label].append(row)
    seeded: set[int] = set()
    for rows in by_label.values():
        seeded.add(rng.choice(rows))
    rest = [row for row in range(len(labels)) if row not in seeded]
    seeded |= set(rng.sample(rest, max(0, round(share * len(labels)) - len(seeded))))
    anchors = [[row for row in by_label[name] if row in seeded] for name in names]
    row_of = {row: row for row in range(len(labels))}
    ids = list(range(1, len(names) + 1))
    choices = getattr(assignment, rule)(np.asarray(vectors), ids, anchors, 0, row_of)
    scores, seconds = [], 0
    for row, choice in enumerate(choices):
        if row in seeded:
            continue
        given = {names[choice.theme_id - 1]} if choice.theme_id else set()
        if choice.second_id:
            given.add(names[choice.second_id - 1])
            seconds += 1
        truth = {labels[row]}
        scores.append(2 * len(given & truth) / (len(given) + len(truth)))
    return {
        "sample_f1": sum(scores) / len(scores),
        "second_share": seconds / len(scores),
        "seeded": len(seeded),
    }


def seeded_f1_spread(vectors, labels: list[str], rule: str) -> dict:
    """`seeded_f1` over the seeds `F1_SEEDS`: the mean, the lowest and highest sample-F1, and
    the mean share given a second theme."""
    runs = [seeded_f1(vectors, labels, seed=seed, rule=rule) for seed in F1_SEEDS]
    f1s = [run["sample_f1"] for run in runs]
    return {
        "sample_f1": sum(f1s) / len(f1s),
        "low": min(f1s),
        "high": max(f1s),
        "second_share": sum(run["second_share"] for run in runs) / len(runs),
        "seeds": len(runs),
    }


def measure(name: str, rows: int, tries: int, banking77: Path, csvs: list[Path]) -> dict:
    """In a process of its own: every figure for one representation."""
    from soundingboard.analyse.themes.engine import grouping, non_answers, representations

    def embed(texts: list[str]):
        return representations.embed(texts, name)

    result: dict = {"representation": name, "rows": rows}
    with Meter() as meter:
        embed(["Warming up: loading the model."])
    result["load"] = meter.wall

    texts, labels = corpus(rows, banking77)
    meter, vectors = fastest(tries, lambda: embed(texts))
    result["embed"] = vars(meter)
    meter, found = fastest(tries, lambda: grouping.group(vectors))
    result["group"] = vars(meter)
    result["k"] = found.k
    result["large"] = scores(labels, found.labels)
    try:
        from soundingboard.analyse.themes.engine.candidates import find_themes
    except ImportError:
        find_themes = None
    if find_themes:
        items = list(enumerate(texts))

        def fresh(units, _name):
            return embed([text for _, text in units])

        def stored(units, _name):  # as the workspace does with vectors stored beforehand
            return vectors[[response_id for response_id, _ in units]]

        for key, embedder in (("find_themes", fresh), ("find_themes_stored", stored)):
            meter, themes = fastest(
                tries, lambda e=embedder: find_themes(items, representation=name, embed=e)
            )
            result[key] = vars(meter) | {
                "themes": themes.k,
                "duplicate_groups": len(themes.duplicates),
                "duplicates": sum(len(g.response_ids) - 1 for g in themes.duplicates),
            }
    result["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    result["quality"] = []
    for path in [banking77 / "test.csv", *csvs]:
        texts, labels = read_labelled(path)
        vectors = embed(texts)
        classes = len(set(labels))
        given = grouping.group(vectors, classes)
        automatic = grouping.group(vectors)
        result["quality"].append(
            {
                "data": str(path),
                "texts": len(texts),
                "classes": classes,
                "given": scores(labels, given.labels) | {"k": given.k},
                "automatic": scores(labels, automatic.labels)
                | {"k": automatic.k, "stability": grouping.stability(vectors, automatic.k)},
                "non_answers": sum(non_answers.find_non_answers(texts)) / len(texts),
                "assignment": {rule: seeded_f1_spread(vectors, labels, rule) for rule in RULES},
            }
        )
    return result


def in_subprocess(args: list[str]) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, *args], capture_output=True, text=True, check=False
    )
    if done.returncode:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"{' '.join(args)} failed")
    return json.loads(done.stdout.splitlines()[-1])


def report(results: list[dict]) -> str:
    lines: list[str] = []
    rows = results[0]["rows"] if results else 0
    lines += [
        f"Speed on {rows:,} responses (seconds; CPU time of this process in brackets):",
        "",
        "| Representation | Load model | Vectors | Grouping (auto k) | Vectors + grouping "
        "| `find_themes` end to end | `find_themes`, vectors stored | Peak memory "
        "| Others' CPU |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        e, g = r["embed"], r["group"]
        f, s = r.get("find_themes"), r.get("find_themes_stored")
        ends = f"{f['wall']:.1f} ({f['cpu']:.1f}), {f['themes']} themes" if f else "n/a"
        ready = f"{s['wall']:.1f} ({s['cpu']:.1f})" if s else "n/a"
        others = max(step["others"] for step in (e, g, f, s) if step)
        lines.append(
            f"| {r['representation']} | {r['load']:.1f} | {e['wall']:.1f} ({e['cpu']:.1f}) "
            f"| {g['wall']:.1f} ({g['cpu']:.1f}), k = {r['k']} "
            f"| {e['wall'] + g['wall']:.1f} | {ends} | {ready} "
            f"| {r['peak_rss_mib']:.0f} MiB | up to {others:.0f}% |"
        )
    lines += [
        "",
        "Quality against human labels (Other / unclear counts as one more group):",
        "",
        "| Data | Representation | k = labels: NMI | ARI | Other | Automatic k | NMI | ARI "
        "| Other | Stability (ARI) | Non-answers |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        for q in r["quality"]:
            g, a = q["given"], q["automatic"]
            lines.append(
                f"| {_data_name(q)} | {r['representation']} | {g['nmi']:.3f} | {g['ari']:.3f} "
                f"| {g['other']:.1%} | {a['k']} | {a['nmi']:.3f} | {a['ari']:.3f} "
                f"| {a['other']:.1%} | {a['stability']:.2f} | {q['non_answers']:.1%} |"
            )
        large = r["large"]
        lines.append(
            f"| the {rows:,} varied responses | {r['representation']} | | | "
            f"| {r['k']} | {large['nmi']:.3f} | {large['ari']:.3f} | {large['other']:.1%} | | |"
        )
    lines += [
        "",
        f"Assignment with a 5% seed: sample-F1, mean over {len(F1_SEEDS)} seeds (lowest to "
        "highest), and the share given a second theme; the engine's rule, then the ones it "
        "replaced:",
        "",
        "| Data | Representation | "
        + " | ".join(f"Sample-F1, {rule} | Second theme" for rule in RULES)
        + " |",
        "|---|---|" + "---:|---:|" * len(RULES),
    ]
    for r in results:
        for q in r["quality"]:
            cells = []
            for rule in RULES:
                f = q["assignment"][rule]
                cells.append(
                    f"{f['sample_f1']:.3f} ({f['low']:.3f} to {f['high']:.3f}) "
                    f"| {f['second_share']:.1%}"
                )
            lines.append(f"| {_data_name(q)} | {r['representation']} | {' | '.join(cells)} |")
    return "\n".join(lines)


def _data_name(quality: dict) -> str:
    return f"{Path(quality['data']).name} ({quality['texts']:,} texts, {quality['classes']} labels)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--representations", default="tfidf,static,sentence")
    parser.add_argument("--csv", type=Path, action="append", default=[], metavar="FILE")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--banking77", type=Path, default=BANKING77, metavar="DIR")
    parser.add_argument("--tries", type=int, default=1)
    parser.add_argument("--json", type=Path, help="save every figure here")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        figures = measure(args.worker, args.rows, args.tries, args.banking77, args.csv)
        print(json.dumps(figures))
        return 0

    from soundingboard.analyse.themes.engine import representations

    for path in (args.banking77 / "train.csv", args.banking77 / "test.csv"):
        if not path.is_file():
            parser.error(f"{path} does not exist: give Banking77's folder with --banking77 DIR")
    for path in args.csv:
        if not path.is_file():
            parser.error(f"{path} does not exist")
        read_labelled(path)  # a bad file fails now, not after minutes of measuring
    names = [name.strip() for name in args.representations.split(",") if name.strip()]
    unknown = sorted(set(names) - set(representations.NAMES))
    if unknown:
        parser.error(f"unknown representation {', '.join(unknown)}")
    available = representations.availability()
    results = []
    for name in names:
        if available[name]:
            print(f"Skipping {name}: {available[name]}", file=sys.stderr)
            continue
        print(f"Measuring {name}...", file=sys.stderr)
        common = ["--rows", str(args.rows), "--tries", str(args.tries)]
        common += ["--banking77", str(args.banking77)]
        for path in args.csv:
            common += ["--csv", str(path)]
        results.append(in_subprocess(["--worker", name, *common]))
        if args.json:
            args.json.write_text(json.dumps({"results": results}, indent=1))
    print(report(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
