"""Named defaults and thresholds: the one home of every number more than one layer uses.

Docstrings cite these names; a literal repeated across layers drifts. Nothing
here imports anything from topicmf, so every layer may import it.
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "N_TOPICS",
    "N_RESTARTS",
    "N_RESTARTS_SELECT_K",
    "DISCOVER_SPARSITY",
    "MAX_DF_FLOOR",
    "MAX_ITER",
    "TOL",
    "INIT",
    "INNER_SWEEPS",
    "SWEEPS_COST_RATIO",
    "N_TOP_TERMS",
    "N_DIVERSITY_TERMS",
    "N_TOP_DOCUMENTS",
    "N_LABEL_TERMS",
    "RELEVANCE_LAMBDA",
    "LOW_CONFIDENCE",
    "REPRODUCED_SIMILARITY",
    "COHERENCE_TOLERANCE",
    "RACE_MIN_ITER",
    "RACE_SURVIVOR_EVERY",
    "SETTLE_TOL",
    "SETTLE_WINDOW",
    "SETTLE_PATIENCE",
    "MATCH_TOL",
    "SNIPPET_LENGTH",
    "PROGRESS_MIN_DOCUMENTS",
]

#: Topics when the caller does not say (``TopicNMF``, ``discover``).
N_TOPICS = 10
#: Random restarts of ``TopicNMF``, ``discover`` and ``topicmf discover``.
N_RESTARTS = 4
#: Restarts per k in ``select_k`` (stability needs several converged runs).
N_RESTARTS_SELECT_K = 5
#: ``discover``'s relative L1 on W (``TopicNMF(sparsity=...)``), chosen by its worst case over
#: BBC, AG News, apache_jira_bugs, arxiv_math_ap and a planted corpus (``scripts/evaluate.py``,
#: plus topic stability across restarts): 0.1 lifted NMI on apache_jira_bugs 0.337 -> 0.352
#: and AG News' stability 0.896 -> 1.000, cost at most 0.006 NPMI; 0.2 scored a little higher
#: on apache and AG News but dropped BBC's stability to 0.939 (one topic 0.734) and AG News'
#: to 0.920. ``TopicNMF`` itself defaults to 0 (plain NMF).
DISCOVER_SPARSITY = 0.1
#: ``default_vectorizer``'s ``max_df = min(0.5, max(MAX_DF_FLOOR, 1 / k))``: a term in more than
#: 1/k of the documents cannot belong to one of k topics of similar size, but the cut stops
#: here. Measured with ``scripts/evaluate.py`` (NPMI / NMI at each corpus's k; BBC k=5 and AG
#: News k=4 are not affected, their 1/k is above 0.2): floor 0.2 -> 0.15 -> 0.125 -> 0.1 on
#: apache_jira_bugs k=8 0.351/0.391 -> 0.335/0.442 -> 0.352/0.447 -> 0.347/0.385, on
#: arxiv_math_ap k=11 0.247/0.328 -> 0.243/0.332 -> 0.249/0.333 -> 0.280/0.321 (1/11: 0.274/0.315);
#: the planted corpus (k=8) scored the same. At k=10 and 20 on BBC, AG News and planted, 0.125
#: against 0.2 moved NPMI by -0.005 to +0.021 and NMI by -0.016 to +0.010. The cost is on
#: arxiv_math_ap's topic stability across restarts (seeds 0-2, mean over topics 0.862 / 0.975 /
#: 0.892 against 0.931 / 0.968 / 0.962; least stable topic 0.435 / 0.820 / 0.685 against 0.695 /
#: 0.717 / 0.695); apache_jira_bugs' is unchanged (1.000 / 0.948 / 1.000).
MAX_DF_FLOOR = 0.125
#: Hard limit on iterations per restart.
MAX_ITER = 300
#: Stop when the projected-gradient violation falls to this share of its first value
#: (scikit-learn's ``cd`` default; with the NNDSVD start and two inner sweeps it ends
#: within 0.01% of cd's error on every benchmark row, see ``scripts/benchmark_core.py``).
TOL = 1e-4
#: How restart 0 starts ("nndsvd": from a truncated SVD; the other restarts are random).
INIT: Final = "nndsvd"
#: HALS sweeps per pair of sparse products when the products dominate an iteration (see
#: ``SWEEPS_COST_RATIO``); otherwise one.
INNER_SWEEPS = 2
#: ``TopicNMF(inner_sweeps=None)``: a sweep over W and H costs (n_documents + n_terms) k^2, the
#: two sparse products nnz k, so a second sweep pays when nnz / ((n_documents + n_terms) k) is
#: at least this (the cost ratio of Gillis and Glineur, 2012). Measured (one restart, one
#: thread, time to the same tolerance, 2 sweeps against 1; ratio in brackets): synthetic 50k x
#: 30k k=20 [3.04] 2.05 s vs 2.52 s, BBC k=5 [4.67] 0.06 vs 0.07; AG News k=4 [2.59] 0.05 vs
#: 0.05; 1 sweep faster at apache_jira_bugs k=8 [2.49] 0.40 vs 0.44, arxiv_math_ap k=11 [2.17]
#: 0.21 vs 0.24, BBC k=20 [1.01] 0.30 vs 0.33, apache k=20 [1.00] 0.90 vs 0.97, AG News k=20
#: [0.51] 0.43 vs 0.54; the same error to 1e-6 (apache k=20 with 1 sweep: 0.99993x) and the
#: same ``scripts/evaluate.py`` scores on all five corpora.
SWEEPS_COST_RATIO = 3.0
#: Terms per topic in tables, labels' search and coherence scores.
N_TOP_TERMS = 10
#: Terms per topic counted by topic diversity (Dieng et al. use 25).
N_DIVERSITY_TERMS = 25
#: Documents per topic in ``top_documents``.
N_TOP_DOCUMENTS = 5
#: Surface terms joined into a topic's readable name.
N_LABEL_TERMS = 3
#: Terms are shown in order of relevance (Sievert and Shirley, 2014): lambda log p(w|t) +
#: (1 - lambda) log(p(w|t) / p(w)), p(w) from the vectorizer's document frequencies. Chosen by
#: its worst case over five corpora (``scripts/evaluate.py``: NPMI of the 10 shown words /
#: diversity of the top 25), lambda 1 (weight order) -> 0.7 -> 0.6 -> 0.5 -> 0.4 -> 0.3:
#: BBC 0.369/0.984 0.392 0.395 0.401/1.000 0.369 -0.146; AG News 0.192/0.940 0.224 0.239
#: 0.253/1.000 0.220 0.134; apache_jira_bugs 0.352/0.880 0.394 0.401 0.427/0.990 0.426 0.392;
#: arxiv_math_ap 0.194/0.793 0.227 0.238 0.237/0.975 0.199 0.119; planted 0.334 -> 0.346 at
#: 0.5. Below 0.5 rare terms take over (median document frequency of the shown words halves).
RELEVANCE_LAMBDA = 0.5
#: A document whose dominant topic holds less than this share of its topic weight is flagged.
LOW_CONFIDENCE = 0.4
#: A restart reproduces a topic when its matched topic has cosine similarity above this.
REPRODUCED_SIMILARITY = 0.8
#: ``select_k``: how far below the best mean NPMI a k may be and still be recommended.
COHERENCE_TOLERANCE = 0.1
#: Racing: the fewest iterations a challenger restart gets before it is judged. Measured
#: (``TopicNMF(k, n_restarts=8)`` vs one restart, defaults, on BBC k=5/20, AG News k=4/20,
#: apache_jira_bugs k=8): 5 cost 1.37-2.75x one restart, 3 cost 1.13-1.98x, 2 1.36-1.67x
#: (noisier); the best loss equalled the single restart's (to 1e-6) on every row at 5, 3 and 2
#: (the NNDSVD reference is rarely beaten, and never by a challenger behind it at equal
#: iterations).
RACE_MIN_ITER = 3
#: Racing: one challenger continues per this many (at least one).
RACE_SURVIVOR_EVERY = 7
#: Settling (``race="topics"``, what ``discover`` runs): a challenger restart stops once no
#: topic's direction changed by more than this (1 - cosine) over ``SETTLE_WINDOW`` iterations,
#: ``SETTLE_PATIENCE`` times in a row; measured in :mod:`topicmf.factorize._settling`.
SETTLE_TOL = 1e-4
SETTLE_WINDOW = 1
SETTLE_PATIENCE = 2
#: Racing: a challenger restart stops once every one of its topics matches one of the
#: reference restart's converged topics within this (1 - cosine, one-to-one matching): it is
#: converging to the optimum restart 0 reached (run on, it ends there, at most a rounding hair
#: lower in loss). Measured
#: (``TopicNMF`` defaults, restart 0 to convergence, 5 challengers each run to convergence, on
#: BBC k=5/20, AG News k=4/20, apache_jira_bugs k=8/20): every challenger ended either at the
#: reference's optimum (loss ratio 1.000000000, final 1 - cosine < 1e-6; it came within 1e-3
#: after 22-54% of its iterations) or at another one (its least similar topic at cosine
#: 0.03-0.37, never within 1e-2 at any iteration).
MATCH_TOL = 1e-3
#: Characters of a document shown in tables.
SNIPPET_LENGTH = 200
#: Corpora at least this large show progress bars unless told otherwise.
PROGRESS_MIN_DOCUMENTS = 5000
