"""The analyst's toolkit: topics over time and per class, shaping topics without refitting,
finding topics, representative documents, notebook display and pyLDAvis inputs.

Checked on the bundled corpus and on planted corpora whose answer is known.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

import topicmf as tm
from topicmf.report import over_time

N_PLANTED = 4


@pytest.fixture(scope="module")
def newsroom_report():
    return tm.discover("newsroom", n_topics=6, random_state=0)


def _planted_frame(seed: int = 3, n_documents: int = 600, n_topics: int = N_PLANTED) -> tuple[pd.DataFrame, object]:
    sc = tm.make_planted_corpus(n_documents, n_topics=n_topics, vocabulary_size=800, document_length=60,
                                concentration=0.05, seed=seed)
    return pd.DataFrame({"text": sc.texts, "planted": [f"p{k}" for k in sc.labels]}), sc


@pytest.fixture(scope="module")
def rising():
    """A planted corpus over 24 months where planted topic 0 is concentrated late."""
    frame, sc = _planted_frame()
    rng = np.random.default_rng(11)
    months = np.arange(24)
    late = months + 1.0
    late = late**2 / (late**2).sum()  # topic 0: probability grows with the month
    month = np.where(sc.labels == 0, rng.choice(months, size=len(frame), p=late), rng.choice(months, size=len(frame)))
    days = rng.integers(1, 28, size=len(frame))
    frame["date"] = [f"{2022 + m // 12}-{m % 12 + 1:02d}-{d:02d}" for m, d in zip(month, days)]
    rep = tm.discover(frame, n_topics=N_PLANTED, n_restarts=2, random_state=0,
                      vectorizer=tm.TextVectorizer(min_df=2))
    return rep, sc


def _topic_of_planted(rep, planted_labels: np.ndarray, planted: int) -> int:
    dominant = rep.document_topics["topic"].to_numpy()
    return int(np.bincount(dominant[planted_labels == planted], minlength=rep.H.shape[0]).argmax())


# -- topics over time and per class ---------------------------------------------------------


def test_topics_over_time_columns_and_invariants(newsroom_report):
    table = newsroom_report.topics_over_time("date", freq="Q")
    assert list(table.columns) == ["period", *over_time.GROUP_COLUMNS]
    assert isinstance(table["period"].dtype, pd.PeriodDtype)
    k = newsroom_report.H.shape[0]
    per = table.groupby("period")
    assert (per.size() == k).all() and len(per) == 8  # 2024Q1 .. 2025Q4
    assert (per["documents"].sum() == per["group_documents"].first()).all()
    assert per["group_documents"].first().sum() == 240
    np.testing.assert_allclose(per["share"].sum(), 1.0)
    np.testing.assert_allclose(per["weight_share"].sum(), 1.0)
    assert (table["top_terms"].str.len() > 0).all()
    assert table["period"].is_monotonic_increasing


def test_a_topic_planted_to_rise_is_found_rising(rising):
    rep, sc = rising
    table = rep.topics_over_time("date", freq="Q")
    rising_topic = _topic_of_planted(rep, sc.labels, 0)
    slopes = {}
    for t, part in table.groupby("topic"):
        y = part["share"].to_numpy()
        slopes[t] = np.polyfit(np.arange(len(y)), y, 1)[0]
    assert max(slopes, key=slopes.get) == rising_topic
    assert slopes[rising_topic] > 0.02  # share grows by > 2 points a quarter
    part = table[table["topic"] == rising_topic]
    assert part["share"].iloc[-2:].mean() > 3 * part["share"].iloc[:2].mean()
    for t in slopes:
        if t != rising_topic:
            assert slopes[t] < 0.01  # the others do not rise


def test_period_top_terms_are_the_topics_own_words(rising):
    rep, sc = rising
    block = sc.topic_word.shape[1] // (N_PLANTED + 1)
    table = rep.topics_over_time("date", freq="Y", n_terms=5)
    for planted in range(N_PLANTED):
        t = _topic_of_planted(rep, sc.labels, planted)
        own = set(sc.vocabulary[planted * block:(planted + 1) * block])
        for terms in table.loc[table["topic"] == t, "top_terms"]:
            assert set(terms.split(", ")) <= own, (planted, terms)


def test_attribution_splits_every_entry_of_x_among_topics():
    rng = np.random.default_rng(0)
    X = sp.random(30, 40, density=0.2, random_state=1, format="csr")
    W, H = rng.random((30, 3)), rng.random((3, 40))
    G = sp.csr_matrix((np.ones(30), (rng.integers(0, 4, 30), np.arange(30))), shape=(4, 30))
    parts = over_time._attributed_totals(X, W, H, G)
    Xd, R = X.toarray(), W @ H
    for t, part in enumerate(parts):  # the obvious dense reference
        expected = G.toarray() @ (Xd * np.outer(W[:, t], H[t]) / R)
        np.testing.assert_allclose(part.toarray(), expected, atol=1e-12)
    np.testing.assert_allclose(sum(p.toarray() for p in parts), (G @ X).toarray(), atol=1e-12)


def test_topics_per_class_on_planted_classes(rising):
    rep, sc = rising
    table = rep.topics_per_class("planted")
    assert list(table.columns) == ["planted", *over_time.GROUP_COLUMNS]
    block = sc.topic_word.shape[1] // (N_PLANTED + 1)
    for planted in range(N_PLANTED):
        t = _topic_of_planted(rep, sc.labels, planted)
        part = table[table["planted"] == f"p{planted}"].set_index("topic")
        assert part["share"].idxmax() == t and part.loc[t, "share"] > 0.8
        own = set(sc.vocabulary[planted * block:(planted + 1) * block])
        assert set(part.loc[t, "top_terms"].split(", ")) <= own


def test_topics_per_class_on_newsroom(newsroom_report):
    table = newsroom_report.topics_per_class("region")
    assert sorted(table["region"].unique()) == ["central", "east", "north", "south", "west"]
    np.testing.assert_allclose(table.groupby("region")["share"].sum(), 1.0)
    assert table.groupby("region")["group_documents"].first().sum() == 240
    by_label = newsroom_report.topics_per_class()  # the known classes
    assert (by_label.groupby("label")["share"].max() > 0.9).all()
    fig = newsroom_report.plot_topics_per_class("region")
    assert len(fig.axes) >= 1 and fig.axes[0].get_xlabel() == "region"
    fig = newsroom_report.plot_topics_over_time("date", freq="Q")
    assert sum(ax.get_visible() for ax in fig.axes) == 6


def test_dates_are_parsed_and_missing_ones_left_out():
    values = pd.Series(["2024-01-05", None, "2024-02-10T10:00:00+02:00", "not a date", "March 3, 2024"])
    periods = over_time.period_values(values, "M")
    assert periods.isna().tolist() == [False, True, False, True, False]
    assert [str(p) for p in periods.dropna()] == ["2024-01", "2024-02", "2024-03"]
    stamps = pd.Series(pd.to_datetime(["2024-05-01", "2024-06-02"]))
    assert [str(p) for p in over_time.period_values(stamps, "Q")] == ["2024Q2", "2024Q2"]


def test_unknown_group_column_names_the_columns(newsroom_report):
    with pytest.raises(KeyError, match="'nope' is not a metadata column.*'region'"):
        newsroom_report.topics_over_time("nope")
    with pytest.raises(KeyError, match="topics_per_class"):
        newsroom_report.topics_per_class("nope")


def test_time_and_class_columns_are_found(newsroom_report):
    assert over_time.find_time_column(newsroom_report.corpus) == "date"
    assert over_time.find_class_columns(newsroom_report.corpus) == ["label", "source", "region"]
