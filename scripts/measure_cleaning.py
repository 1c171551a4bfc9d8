"""Measure TextCleaner: what it removes from each real corpus, how fast, and whether topics improve.

For each corpus in ../shared/data (bbc, ag_news_test, apache_jira_bugs,
arxiv_math_ap; absent ones are skipped with a message), in one process:

1. Fit ``TextCleaner()`` (its defaults) on the corpus and print, per rule
   family: active or not, documents matched, documents affected and the share
   of characters removed; the top 15 boilerplate lines with their document
   counts; the time per 1,000 documents (fit_transform and transform).
2. Topic quality, raw vs cleaned texts: ``TfidfVectorizer(stop_words="english",
   min_df=5, max_df=0.5, sublinear_tf=True, token_pattern=r"(?u)\\b[^\\W\\d_]{3,}\\b")``
   then ``NMF(n_components=k, init="nndsvda", random_state=0)`` with k the number
   of labels. Scores: NPMI of each topic's top-10 words by document
   co-occurrence in the RAW documents (lowercase words of 3+ letters; a pair
   never seen together scores -1), averaged over topics; topic diversity of the
   top 25 words; NMI of argmax W against the labels; debris@10, the share of
   top-10 words that are debris words (words that at least half of their raw
   documents lose to ``TextCleaner(mode="on")``, i.e. words found mostly inside
   stack traces, paths, URLs, TeX...): NPMI on raw documents rewards a topic of
   debris (``org apache java lang util``), whose words always co-occur.
   NMF with init="nndsvda" is deterministic (the seed changes nothing), but its
   solution jumps with small changes of the input; the spread of raw and cleaned
   scores over three resamples without a random 1 % of the documents shows how
   large a difference must be to mean anything.
3. Ablation: the cleaner with one family switched off (each family active on
   the corpus, and boilerplate), and boilerplate with other thresholds.

Usage::

    nice -n 10 python scripts/measure_cleaning.py [--data ../shared/data] [--corpora bbc,arxiv_math_ap]
        [--ablation all|none|apache_jira_bugs,...] [--max-docs N]
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.decomposition import NMF
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.metrics import normalized_mutual_info_score

from topicmf.preprocess.clean import BOILERPLATE_MAX_SHARE, RULE_NAMES, TextCleaner

#: corpus -> number of labels (k of NMF)
CORPORA = {"bbc": 5, "ag_news_test": 4, "apache_jira_bugs": 8, "arxiv_math_ap": 11}
TOKEN_PATTERN = r"(?u)\b[^\W\d_]{3,}\b"
N_NPMI_WORDS = 10
N_DIVERSITY_WORDS = 25
N_BOILERPLATE_SHOWN = 15
#: boilerplate thresholds compared with the default in the ablation
OTHER_BOILERPLATE_SHARES = (0.0005, 0.005)
#: auto-mode thresholds compared with the default in the ablation
OTHER_AUTO_SHARES = (0.01,)
#: share of documents left out of each noise resample
RESAMPLE_DROP = 0.01


def load(path: Path, max_docs: int | None) -> tuple[list[str], list[str]]:
    """Texts and labels of a JSON Lines corpus (``text``, ``label``)."""
    df = pd.read_json(path, lines=True)
    if max_docs is not None and len(df) > max_docs:
        df = df.sample(n=max_docs, random_state=0).sort_index()
    return df["text"].astype(str).tolist(), df["label"].astype(str).tolist()


def npmi(top: list[list[str]], B: sp.csc_matrix, vocab: dict[str, int]) -> float:
    """Mean over topics of the mean NPMI over pairs of top words (raw co-occurrence)."""
    n_docs = B.shape[0]
    scores = []
    for words in top:
        cols = [vocab.get(w, -1) for w in words]
        present = [c for c in cols if c >= 0]
        sub = B[:, present].astype(np.float64)
        df_present = np.asarray(sub.sum(axis=0)).ravel()
        co_present = (sub.T @ sub).toarray()
        pos = {c: i for i, c in enumerate(present)}
        vals = []
        for a in range(len(cols)):
            for b in range(a + 1, len(cols)):
                if cols[a] < 0 or cols[b] < 0:
                    vals.append(-1.0)  # a word the raw documents do not contain
                    continue
                i, j = pos[cols[a]], pos[cols[b]]
                pij = co_present[i, j] / n_docs
                if pij <= 0:
                    vals.append(-1.0)
                elif pij >= 1:
                    vals.append(1.0)
                else:
                    pmi = np.log(pij / ((df_present[i] / n_docs) * (df_present[j] / n_docs)))
                    vals.append(float(np.clip(pmi / -np.log(pij), -1.0, 1.0)))
        scores.append(float(np.mean(vals)) if vals else 0.0)
    return float(np.mean(scores))


def debris_words(texts: list[str], B: sp.csc_matrix, vocab: dict[str, int]) -> set[str]:
    """Words at least half of whose raw documents lose them to ``TextCleaner(mode="on")``.

    Such a word occurs mostly inside debris (stack traces, paths, URLs, TeX, ...);
    a topic whose top words are debris words is a debris topic, however coherent.
    """
    cleaned = TextCleaner(mode="on").fit_transform(texts)
    cv = CountVectorizer(lowercase=True, binary=True, token_pattern=TOKEN_PATTERN, vocabulary=vocab)
    df_raw = np.asarray(B.sum(axis=0)).ravel()
    df_clean = np.asarray(cv.transform(cleaned).sum(axis=0)).ravel()
    words = np.empty(len(vocab), dtype=object)
    for w, j in vocab.items():
        words[j] = w
    return set(words[df_clean < 0.5 * df_raw])


def topic_scores(texts: list[str], labels: list[str], k: int, B: sp.csc_matrix,
                 vocab: dict[str, int], debris: set[str]) -> dict[str, float]:
    """NMF topics of ``texts`` scored by NPMI (raw co-occurrence), diversity, NMI and debris@10."""
    tfidf = TfidfVectorizer(stop_words="english", min_df=5, max_df=0.5, sublinear_tf=True,
                            token_pattern=TOKEN_PATTERN)
    X = tfidf.fit_transform(texts)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        nmf = NMF(n_components=k, init="nndsvda", random_state=0)
        W = nmf.fit_transform(X)
    terms = tfidf.get_feature_names_out()
    order = np.argsort(-nmf.components_, axis=1, kind="stable")
    top10 = [[terms[j] for j in row[:N_NPMI_WORDS]] for row in order]
    top25 = [terms[j] for row in order for j in row[:N_DIVERSITY_WORDS]]
    flat = [w for row in top10 for w in row]
    return {
        "debris": sum(w in debris for w in flat) / len(flat),
        "npmi": npmi(top10, B, vocab),
        "diversity": len(set(top25)) / len(top25),
        "nmi": float(normalized_mutual_info_score(labels, W.argmax(axis=1))),
        "n_terms": X.shape[1],
        "top": top10,
    }


def print_cleaning(name: str, cleaner: TextCleaner, t_fit: float, t_transform: float, n: int) -> None:
    s = cleaner.stats_
    print(f"\n== {name}: {n} documents, {s['n_characters']:,} characters; "
          f"removed {s['characters_removed_share']:.3f} of the characters")
    print(f"   time per 1,000 documents: fit_transform {1000 * t_fit / n:.3f} s, "
          f"transform {1000 * t_transform / n:.3f} s")
    print(f"   {'rule':<15}{'active':>7}{'docs matched':>14}{'docs affected':>15}{'chars removed':>15}")
    for r in RULE_NAMES:
        e = s["rules"][r]
        print(f"   {r:<15}{'yes' if e['active'] else 'no':>7}{e['documents_matched']:>14}"
              f"{e['documents']:>15}{e['character_share']:>15.4f}")
    bp = s["boilerplate"]
    print(f"   {'boilerplate':<15}{'yes' if cleaner.boilerplate else 'no':>7}{bp['lines']:>14}"
          f"{bp['documents']:>15}{bp['character_share']:>15.4f}   (docs matched = lines learned)")
    if bp["top_lines"]:
        print(f"   top {N_BOILERPLATE_SHOWN} boilerplate lines (document count):")
        for line, count in bp["top_lines"][:N_BOILERPLATE_SHOWN]:
            shown = line if len(line) <= 90 else line[:87] + "..."
            print(f"     {count:>6}  {shown}")


def print_quality_header() -> None:
    print(f"   {'variant':<34}{'NPMI':>8}{'diversity':>11}{'NMI':>8}{'debris@10':>11}{'terms':>8}")


def print_quality(variant: str, q: dict, ref: dict | None = None) -> None:
    delta = ""
    if ref is not None:
        delta = (f"   (vs default: NPMI {q['npmi'] - ref['npmi']:+.3f}, diversity "
                 f"{q['diversity'] - ref['diversity']:+.3f}, NMI {q['nmi'] - ref['nmi']:+.3f}, "
                 f"debris {q['debris'] - ref['debris']:+.3f})")
    print(f"   {variant:<34}{q['npmi']:>8.3f}{q['diversity']:>11.3f}{q['nmi']:>8.3f}{q['debris']:>11.3f}"
          f"{q['n_terms']:>8}{delta}",
          flush=True)


def measure_corpus(name: str, k: int, path: Path, ablation: bool, max_docs: int | None, n_resamples: int) -> None:
    texts, labels = load(path, max_docs)
    n = len(texts)
    cleaner = TextCleaner()
    t0 = time.perf_counter()
    cleaned = cleaner.fit_transform(texts)
    t_fit = time.perf_counter() - t0
    t0 = time.perf_counter()
    again = cleaner.transform(texts)
    t_transform = time.perf_counter() - t0
    if again != cleaned:
        print(f"   WARNING: transform differs from fit_transform on {sum(a != b for a, b in zip(again, cleaned))} "
              "documents", file=sys.stderr)
    print_cleaning(name, cleaner, t_fit, t_transform, n)

    cv = CountVectorizer(lowercase=True, binary=True, token_pattern=TOKEN_PATTERN)
    B = sp.csc_matrix(cv.fit_transform(texts))
    vocab = cv.vocabulary_
    debris = debris_words(texts, B, vocab)
    print(f"   topic quality, NMF k={k} (NPMI on the raw documents):")
    print_quality_header()
    raw = topic_scores(texts, labels, k, B, vocab, debris)
    print_quality("raw", raw)
    default = topic_scores(cleaned, labels, k, B, vocab, debris)
    print_quality("cleaned (defaults)", default)
    for label, text_variant, q0 in (("raw", texts, raw), ("cleaned", cleaned, default)):
        qs = [q0]
        for rep in range(1, n_resamples + 1):
            keep = np.random.default_rng(rep).random(n) >= RESAMPLE_DROP
            idx = np.flatnonzero(keep)
            qs.append(topic_scores([text_variant[i] for i in idx], [labels[i] for i in idx], k,
                                   sp.csc_matrix(sp.csr_matrix(B)[idx]), vocab, debris))
        if n_resamples:
            spread = ", ".join(f"{key} {min(q[key] for q in qs):.3f}..{max(q[key] for q in qs):.3f}"
                               for key in ("npmi", "diversity", "nmi", "debris"))
            print(f"   noise, {label} (all documents and {n_resamples} resamples without a random "
                  f"{RESAMPLE_DROP:.0%}): {spread}")
    for label, q in (("raw", raw), ("cleaned", default)):
        print(f"   top words, {label} (* = debris word):")
        for row in q["top"]:
            print("     " + " ".join(w + "*" if w in debris else w for w in row))
    if not ablation:
        return
    variants: list[tuple[str, TextCleaner]] = []
    for r in RULE_NAMES:
        if cleaner.stats_["rules"][r]["active"]:
            variants.append((f"without {r}", TextCleaner(**{r: False})))
    if cleaner.boilerplate_lines_:
        variants.append(("without boilerplate", TextCleaner(boilerplate=False)))
    for share in OTHER_BOILERPLATE_SHARES:
        variants.append((f"boilerplate_max_share={share:g}", TextCleaner(boilerplate_max_share=share)))
    variants.append(('mode="on" (every family)', TextCleaner(mode="on")))
    for share in OTHER_AUTO_SHARES:
        variants.append((f"auto_min_share={share:g}", TextCleaner(auto_min_share=share)))
    for label, variant in variants:
        out = variant.fit_transform(texts)
        extra = ""
        if label.startswith("boilerplate_max_share"):
            extra = f" [{len(variant.boilerplate_lines_)} lines]"
        elif label.startswith("auto_min_share"):
            extra = f" [{len(variant.active_rules_)} active]"
        print_quality(label + extra, topic_scores(out, labels, k, B, vocab, debris), default)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Measure TextCleaner on the real corpora: removal per rule, speed, topic quality.")
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data",
                        help="folder holding <corpus>/<corpus>.jsonl.gz (default: ../shared/data)")
    parser.add_argument("--corpora", default=",".join(CORPORA),
                        help=f"comma-separated corpora (default: {','.join(CORPORA)})")
    parser.add_argument("--ablation", default="all",
                        help="corpora to run the ablation on: 'all', 'none' or a comma-separated list")
    parser.add_argument("--max-docs", type=int, default=None, help="sample at most this many documents per corpus")
    parser.add_argument("--resamples", type=int, default=3,
                        help="refit raw and cleaned texts on N resamples without a random 1%% of the documents, "
                             "to show how much the scores move (default 3)")
    args = parser.parse_args(argv)
    names = [c for c in args.corpora.split(",") if c]
    unknown = [c for c in names if c not in CORPORA]
    if unknown:
        parser.error(f"unknown corpora {unknown}; known: {list(CORPORA)}")
    if args.ablation == "all":
        ablate = set(names)
    elif args.ablation == "none":
        ablate = set()
    else:
        ablate = set(args.ablation.split(","))
    print(f"TextCleaner defaults: {TextCleaner().get_params()}")
    print(f"(boilerplate default share {BOILERPLATE_MAX_SHARE:g})")
    for name in names:
        path = args.data / name / f"{name}.jsonl.gz"
        if not path.is_file():
            print(f"\n== {name}: {path} is absent; skipped")
            continue
        measure_corpus(name, CORPORA[name], path, name in ablate, args.max_docs, args.resamples)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
