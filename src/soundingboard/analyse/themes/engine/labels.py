"""Words for a group of answers: its most distinctive words and phrases, a name a person
would write, and the answers that represent it best.

Distinctive terms are scored by class-based TF-IDF: how many of the group's answers use a
word or phrase (of one to three words), weighed against how common it is in every group. A
phrase is preferred to its words when most answers that use the words use the phrase: "mental
health" rather than "mental" and "health". Phrases neither begin nor end with a stop word
("cost of living" is kept, "the cost" is not), except that a phrase may begin with a negation
("no complaints", "not enough staff"): the negation is what it says. Word forms are joined
by the Snowball (Porter 2) English stemmer, only to compare them: "nurses" and "nurse" are
one term, shown as written ("nurses"), never as the stem ("nurs").

Never used: placeholders and redaction marks ("XXXX", "[name]", "<redacted>", "***"), and
lines repeated verbatim across many answers (a form's boilerplate, "Rang pt before visit:
Yes"), which say nothing about what the answers say.

A group's name (`name_theme`) is the phrase or word most of its answers share (at least
`NAME_SHARE` of them), with a second when it is shared as widely; failing that, its most
central answer, shortened. It is never a list of incidental words.

Representative quotes are the answers closest to the group's centre, each a different text
and not a near copy of another quote.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from .duplicates import normalise

# scikit-learn's list, less words that carry meaning in a consultation ("fire service",
# "interest rates", "the benefits system"), plus filler common in answers.
_MEANINGFUL = {
    "amount", "bill", "bottom", "call", "computer", "cry", "describe", "detail", "empty",
    "fire", "front", "full", "interest", "mill", "move", "name", "part", "serious", "side",
    "sincere", "system", "thick", "thin", "top",
}  # fmt: skip
_FILLER = {
    "arent", "did", "didnt", "does", "doesnt", "doing", "dont", "got", "getting", "hadnt",
    "havent", "id", "im", "isnt", "ive", "just", "know", "like", "ll", "lot", "ok", "really",
    "shouldnt", "thats", "theyre", "thing", "things", "think", "want", "wasnt", "way", "werent",
    "wont", "wouldnt", "yes", "youre",
}  # fmt: skip
STOP_WORDS = frozenset((ENGLISH_STOP_WORDS - _MEANINGFUL) | _FILLER)
# Words that turn round what follows: never a term alone, but a phrase may begin with one.
NEGATIONS = frozenset({"no", "not", "never", "nothing", "none", "nobody", "cannot", "cant"})

LONGEST_PHRASE = 3
TERMS_KEPT = 10
LABEL_TERMS = 3
LABEL_LENGTH = 60  # characters, at most (the first term is always kept whole)
# A phrase replaces its words when at least this share of the answers using them use it.
PHRASE_SHARE = 0.8
# A term must be used by this many of a group's answers to describe it.
MIN_ANSWERS = 2
# Labels read at most about this many answers in all, shared between the groups (but at
# least LABEL_SAMPLE_MIN of each): enough to find a group's words, few enough to label
# 100,000 answers in a second or two.
LABEL_SAMPLE = 25_000
LABEL_SAMPLE_MIN = 300
QUOTES = 5
MIN_QUOTES = 3
QUOTE_WORDS = (3, 120)  # a quote this long reads well; others only when there are too few
QUOTE_SIMILARITY = 0.95  # quotes closer than this to a chosen one are near copies

# A share of the group's answers: a term this widely used names it.
NAME_SHARE = 0.3
SECOND_NAME_SHARE = 0.5  # a second term joins the name when this many answers use it
NAME_WORDS = 8  # a central answer used as a name is cut to this many words
# A line in at least this many answers, and this share of them, is boilerplate.
BOILERPLATE_ANSWERS = 5
BOILERPLATE_SHARE = 0.01

_WORD = re.compile(r"[^\W\d_]{2,}")
_PLACEHOLDER = re.compile(
    r"\[[^\]\n]{0,40}\]|<[^>\n]{0,40}>|\{[^}\n]{0,40}\}|\*{2,}|#{2,}"
    r"|\b[x]{2,}\b|\b(?:redacted|anonymi[sz]ed|removed)\b",
    re.IGNORECASE,
)
_CLAUSE_BREAK = re.compile(r"[.!?;:,()\[\]\n\r\t\"“”]+")
_APOSTROPHES = ("'", "’", "‘", "`")


def without_placeholders(text: str) -> str:
    """The text with placeholders and redaction marks taken out (each ends a clause)."""
    return _PLACEHOLDER.sub(" , ", text)


def terms_of(text: str) -> list[str]:
    """The words and phrases of one text that can describe a group. A phrase stays within
    a clause: it does not run across a full stop, a comma or a placeholder."""
    text = without_placeholders(text).casefold()
    for apostrophe in _APOSTROPHES:
        text = text.replace(apostrophe, "")
    terms = []
    for clause in _CLAUSE_BREAK.split(text):
        words = _WORD.findall(clause)
        stop = [w in STOP_WORDS or w in NEGATIONS for w in words]
        opens = [not s or w in NEGATIONS for w, s in zip(words, stop, strict=True)]
        terms += [w for w, s in zip(words, stop, strict=True) if not s]
        for n in range(2, LONGEST_PHRASE + 1):
            for i in range(len(words) - n + 1):
                if opens[i] and not stop[i + n - 1]:
                    terms.append(" ".join(words[i : i + n]))
    return terms


def boilerplate_lines(texts: Sequence[str]) -> frozenset[str]:
    """Lines repeated verbatim (after normalising) across many answers that also say more:
    a form's text pasted into every answer, not something the answers say."""
    counts: Counter[str] = Counter()
    for text in texts:
        lines = {normalise(line) for line in text.splitlines() if line.strip()}
        if len(lines) > 1:
            counts.update(line for line in lines if line)
    least = max(BOILERPLATE_ANSWERS, BOILERPLATE_SHARE * len(texts))
    return frozenset(line for line, n in counts.items() if n >= least)


def _without_lines(text: str, lines: frozenset[str]) -> str:
    if not lines or "\n" not in text:
        return text
    return "\n".join(line for line in text.splitlines() if normalise(line) not in lines)


def distinctive_terms(groups: Sequence[Sequence[str]]) -> list[list[str]]:
    """For each group of texts, its most distinctive words and phrases, best first.

    Every group is weighed against all the others (include the answers that fit no group
    as a group of their own, so that their words count as common).
    """
    return [[term for term, _ in found] for found in terms_with_shares(groups)]


def terms_with_shares(groups: Sequence[Sequence[str]]) -> list[list[tuple[str, float]]]:
    """`distinctive_terms`, each with the share of its group's answers that use it."""
    from scipy.sparse import csr_matrix
    from sklearn.feature_extraction.text import CountVectorizer

    most = max(LABEL_SAMPLE_MIN, LABEL_SAMPLE // max(1, len(groups)))
    sampled = [_evenly(list(texts), most) for texts in groups]
    documents = [text for texts in sampled for text in texts]
    repeated = boilerplate_lines(documents)
    documents = [_without_lines(text, repeated) for text in documents]
    if not documents:
        return [[] for _ in groups]
    vectorizer = CountVectorizer(analyzer=terms_of, binary=True, dtype=np.float32)
    try:
        used = vectorizer.fit_transform(documents)
    except ValueError:  # not one describing word in any text
        return [[] for _ in groups]
    sizes = np.array([len(texts) for texts in sampled])
    owner = np.repeat(np.arange(len(groups)), sizes)
    membership = csr_matrix(
        (np.ones(len(documents), dtype=np.float32), (owner, np.arange(len(documents)))),
        shape=(len(groups), len(documents)),
    )
    # answers[g, t]: how many of group g's answers use term t. A term only one answer uses
    # describes no group: leaving those out keeps the table small.
    answers = (membership @ used).tocsc()
    everywhere = np.asarray(answers.sum(axis=0)).ravel()
    kept = np.flatnonzero(everywhere >= min(MIN_ANSWERS, everywhere.max()))
    vocabulary = vectorizer.get_feature_names_out()[kept]
    answers = answers[:, kept].toarray()
    everywhere = everywhere[kept]
    # c-TF-IDF on answers: the share of the group using a term, times the log of how much
    # rarer the term is across all groups than a typical group's size.
    average = len(documents) / max(1, int((sizes > 0).sum()))
    weight = np.log1p(average / np.maximum(everywhere, 1))
    shares = answers / np.maximum(sizes, 1)[:, None]
    scores = shares * weight[None, :]
    found = []
    column = {str(term): t for t, term in enumerate(vocabulary)}
    for g in range(len(groups)):
        chosen = _prefer_phrases(vocabulary, answers[g], scores[g]) if sizes[g] else []
        found.append([(term, float(answers[g, column[term]] / sizes[g])) for term in chosen])
    return found


def _prefer_phrases(vocabulary: np.ndarray, answers: np.ndarray, scores: np.ndarray) -> list[str]:
    usable = np.nonzero(answers >= min(MIN_ANSWERS, answers.max()))[0]
    # Best first; ties by the term itself, so the order never depends on anything else.
    order = sorted(usable, key=lambda t: (-scores[t], vocabulary[t]))[: TERMS_KEPT * 6]
    candidates = [str(vocabulary[t]) for t in order]
    count = {term: answers[t] for term, t in zip(candidates, order, strict=True)}
    chosen: list[str] = []

    def carries(phrase: str, term: str) -> bool:
        """Whether the phrase contains the term and says it for most of its answers."""
        return (
            len(phrase) > len(term)
            and f" {term} " in f" {phrase} "
            and count[phrase] >= PHRASE_SHARE * count[term]
        )

    for term in candidates:
        longer = [other for other in candidates if carries(other, term)]
        if longer:
            term = max(longer, key=lambda other: (other.count(" "), count[other], other))
        if any(_stems(kept) == _stems(term) or carries(kept, term) for kept in chosen):
            continue  # said already (perhaps in the plural), or by a phrase
        chosen = [kept for kept in chosen if not carries(term, kept)]
        chosen.append(term)
        if len(chosen) == TERMS_KEPT:
            break
    return chosen


def _stems(term: str) -> tuple[str, ...]:
    """The term's words as stems, to compare word forms: "nurse", "nurses" and "nursing"
    are one; "bus" and "buses" too. Never shown: a term is shown as written."""
    return tuple(stem(word) for word in term.split(" "))


@lru_cache(maxsize=65_536)
def stem(word: str) -> str:
    """The Snowball (Porter 2) English stem of a lower-case word; a plural in "-es" after
    "us", "x", "z", "ch" or "sh" loses it first, which Porter's rules leave ("buses")."""
    if len(word) > 4 and _ES_PLURAL.search(word):
        word = word[:-2]
    return str(_stemmer().stemWord(word))


_ES_PLURAL = re.compile(r"(?:us|x|z|ch|sh)es$")


@lru_cache(maxsize=1)
def _stemmer():  # type: ignore[no-untyped-def]  # snowballstemmer has no type information
    import snowballstemmer

    return snowballstemmer.stemmer("english")


def name_theme(terms: Sequence[tuple[str, float]], central: str, fallback: str) -> str:
    """A name a person would write for a group: the word or phrase most of its answers
    share (used by at least NAME_SHARE of them), and a second used by at least half; else its
    most central answer, shortened; else `fallback`."""
    shared = [term for term, share in terms if share >= NAME_SHARE]
    if shared:
        best = dict(terms)[shared[0]]
        more = [t for t in shared[1:2] if dict(terms)[t] >= max(SECOND_NAME_SHARE, best / 2)]
        return make_label(shared[:1] + more, fallback)
    short = shorten(central)
    return short or make_label([term for term, _ in terms[:1]], fallback)


def shorten(text: str, words: int = NAME_WORDS) -> str:
    """An answer cut to its first clause of at most `words` words, without placeholders
    ("" if nothing readable is left)."""
    text = " ".join(without_placeholders(text).split())
    first = re.split(r"(?<=[.!?;:])\s|\s[-–—]\s|\n", text, maxsplit=1)[0].strip(" ,.;:!?-–—")
    if not _WORD.search(first):
        return ""
    cut = first.split()
    short = " ".join(cut[:words]).rstrip(",;:")
    if len(cut) > words:
        short += "…"
    return short[0].upper() + short[1:]


def make_label(terms: Sequence[str], fallback: str) -> str:
    """A short label from the best terms: "Mental health, waiting lists, schools". A term
    that repeats a word of the label so far is left out ("park", not "park, park gates")."""
    if not terms:
        return fallback
    label = terms[0]
    said = set(_stems(terms[0]))
    added = 1
    for term in terms[1:]:
        if added == LABEL_TERMS:
            break
        if said & set(_stems(term)):
            continue
        if len(label) + 2 + len(term) > LABEL_LENGTH:
            break
        label += f", {term}"
        said |= set(_stems(term))
        added += 1
    return label[0].upper() + label[1:]


def representative_quotes(
    texts: Sequence[str], vectors: np.ndarray, *, count: int = QUOTES
) -> list[int]:
    """Positions of up to `count` texts closest to the centre of their vectors: each a
    different text, none a near copy of another, of a readable length when there are enough.
    Ties go to the earlier text."""
    if not len(texts):
        return []
    centre = vectors.mean(axis=0)
    norm = float(np.linalg.norm(centre))
    closeness = vectors @ (centre / norm) if norm > 0 else np.zeros(len(texts))
    order = sorted(range(len(texts)), key=lambda i: (-round(float(closeness[i]), 6), i))
    chosen: list[int] = []
    seen: set[str] = set()
    shortest, longest = QUOTE_WORDS
    for readable_only in (True, False):
        for i in order:
            if len(chosen) == count:
                return chosen
            key = normalise(texts[i])
            if key in seen or (readable_only and not shortest <= len(key.split()) <= longest):
                continue
            if chosen and float(np.max(vectors[chosen] @ vectors[i])) >= QUOTE_SIMILARITY:
                continue
            chosen.append(i)
            seen.add(key)
        if len(chosen) >= min(MIN_QUOTES, len(texts)):
            break
    return chosen


def _evenly(items: list[str], most: int) -> list[str]:
    """At most `most` items, spread evenly through the list (the same ones every time)."""
    if len(items) <= most:
        return items
    step = len(items) / most
    return [items[int(i * step)] for i in range(most)]
