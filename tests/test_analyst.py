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
        terms = part.loc[t, "top_terms"].split(", ")
        assert len(terms) == 10 and len(set(terms) & own) >= 8, terms  # a frequent background word may slip in


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


# -- shaping without refitting -----------------------------------------------------------------


@pytest.fixture(scope="module")
def planted_fits():
    """The same planted corpus fitted with k=4 (its planted topics) and k=5 (one split)."""
    frame, sc = _planted_frame()
    fits = {k: tm.discover(frame, n_topics=k, n_restarts=3, random_state=0, vectorizer=tm.TextVectorizer(min_df=2))
            for k in (N_PLANTED, N_PLANTED + 1)}
    return fits, sc


def _best_cosine(H_ref, H):
    from topicmf.metrics import match_topics

    return match_topics(H_ref, H)[1]


def test_merging_two_constructed_halves_gives_back_the_topic(planted_fits):
    from topicmf.report import shaping

    fits, sc = planted_fits
    rep = fits[N_PLANTED]
    H = rep.model.components_
    heavy = np.argsort(-H[0])[:6]  # an uneven split: the 6 heaviest terms, and the rest
    half_a = np.zeros_like(H[0])
    half_a[heavy] = H[0, heavy]
    split = np.vstack([half_a, H[1:], H[0] - half_a])  # topic 0 is now topics 0 and 4
    model, W = shaping.merged_estimator(rep.model, split, rep.X)
    halves = tm.TopicReport(rep.corpus, rep.vectorizer, model, rep.X, W)
    assert halves.H.shape[0] == N_PLANTED + 1
    merged = halves.merge_topics([[0, 4]])
    assert merged.merged_from == [[0, 4], [1], [2], [3]]
    unit = (merged.H / np.linalg.norm(merged.H, axis=1, keepdims=True),
            rep.H / np.linalg.norm(rep.H, axis=1, keepdims=True))
    cos = np.sum(unit[0] * unit[1], axis=1)  # same order as the original topics
    assert cos.min() > 0.999, cos
    same = merged.document_topics["topic"].to_numpy() == rep.document_topics["topic"].to_numpy()
    assert same.mean() > 0.99, same.mean()


def test_reduce_topics_merges_a_planted_topic_split_by_the_fit(planted_fits):
    fits, sc = planted_fits
    five = fits[N_PLANTED + 1]
    by_planted = pd.crosstab(five.document_topics["topic"], sc.labels)
    split = by_planted.idxmax(axis=1)  # the planted topic each fitted topic holds
    assert split.nunique() == N_PLANTED, "the k+1 fit should split one planted topic in two"
    reduced = five.reduce_topics(N_PLANTED)
    pair = sorted(split.index[split.duplicated(keep=False)].tolist())
    assert pair in reduced.merged_from
    assert _best_cosine(fits[N_PLANTED].H, reduced.H).min() > 0.99  # the k=4 fit's planted topics
    from sklearn.metrics import normalized_mutual_info_score

    nmi = normalized_mutual_info_score(sc.labels, reduced.document_topics["topic"])
    assert nmi > normalized_mutual_info_score(sc.labels, fits[N_PLANTED].document_topics["topic"]) - 0.01
    holds = pd.crosstab(reduced.document_topics["topic"], sc.labels).idxmax(axis=1)
    assert sorted(holds) == list(range(N_PLANTED))  # one planted topic each, none split any more
    assert reduced.topics["stability"].between(0, 1 + 1e-9).all()
    assert five.H.shape[0] == N_PLANTED + 1  # the original is untouched
    assert len(five.topics) == N_PLANTED + 1 and five.merged_from == [[t] for t in range(N_PLANTED + 1)]


def test_merged_model_saves_and_loads(planted_fits, tmp_path):
    fits, sc = planted_fits
    reduced = fits[N_PLANTED + 1].reduce_topics(N_PLANTED)
    m = reduced.model
    assert m.n_topics == N_PLANTED and m.n_restarts == 1 and m.best_restart_ == 0
    np.testing.assert_array_equal(m.restart_components_[0], m.components_)
    path = tm.save_model(reduced, tmp_path / "merged.topicmf")
    loaded = tm.load_model(path)
    np.testing.assert_array_equal(loaded.nmf.components_, m.components_)
    assert loaded.n_topics == N_PLANTED and loaded.labels == reduced.topic_labels
    scored = loaded.transform_texts(reduced.corpus)
    assert (scored["topic"].to_numpy() == reduced.document_topics["topic"].to_numpy()).mean() > 0.99
    again = tm.TopicReport.from_model(loaded, reduced.corpus)
    assert again.H.shape == reduced.H.shape


def test_merge_topics_validates_groups(newsroom_report):
    for groups, message in (([[0, 9]], "ints from 0 to 5"), ([[0, 1], [1, 2]], "topic 1 is in group 0 and group 1"),
                            ([[]], "group 0 is empty"), ([["a"]], "got 'a'")):
        with pytest.raises(ValueError, match=message):
            newsroom_report.merge_topics(groups)
    with pytest.raises(ValueError, match="from 1 to 6"):
        newsroom_report.reduce_topics(0)


def test_merge_of_newsroom_keeps_every_document(newsroom_report):
    merged = newsroom_report.merge_topics([[0, 1], [2, 5]])
    assert merged.H.shape[0] == 4 and merged.merged_from == [[0, 1], [2, 5], [3], [4]]
    assert merged.topics["size"].sum() == 240 and len(merged.document_topics) == 240
    assert merged.summary()["n_topics"] == 4 and "merged_from" in merged.summary()["settings"]
    assert newsroom_report.H.shape[0] == 6  # untouched


def test_relabel_topics_returns_a_new_report(newsroom_report, tmp_path):
    before = list(newsroom_report.topic_labels)
    renamed = newsroom_report.relabel_topics({0: "Sport", 3: "Money"})
    assert renamed.topic_labels[0] == "Sport" and renamed.topic_labels[3] == "Money"
    assert renamed.topic_labels[1] == before[1]
    assert newsroom_report.topic_labels == before  # untouched
    topics = renamed.topics.set_index("topic")
    assert topics.loc[0, "topic_label"] == "Sport"
    dt = renamed.document_topics
    assert (dt.loc[dt["topic"] == 3, "topic_label"] == "Money").all()
    loaded = tm.load_model(tm.save_model(renamed, tmp_path / "m.topicmf"))
    assert loaded.labels == renamed.topic_labels
    assert set(loaded.transform_texts(["the striker scored in the final"])["topic_label"]) <= set(loaded.labels)
    merged = renamed.merge_topics([[1, 2]])  # a renamed topic kept alone keeps its name
    assert merged.topic_labels[0] == "Sport" and "Money" in merged.topic_labels
    with pytest.raises(ValueError, match="non-empty str"):
        newsroom_report.relabel_topics({0: ""})
    with pytest.raises(ValueError, match="ints from 0 to 5"):
        newsroom_report.relabel_topics({6: "x"})


def test_find_topics(newsroom_report):
    found = newsroom_report.find_topics("vaccine clinics and hospital patients", n=3)
    assert list(found.columns) == ["rank", "topic", "topic_label", "similarity", "top_terms"]
    assert len(found) == 3 and found["similarity"].is_monotonic_decreasing
    assert "health" in found["topic_label"].iloc[0]
    assert found["similarity"].iloc[0] > 0.2 > found["similarity"].iloc[1]
    with pytest.raises(ValueError, match="no term of the query"):
        newsroom_report.find_topics("zzzz qqqq")


def test_find_topics_on_planted_words(planted_fits):
    fits, sc = planted_fits
    rep = fits[N_PLANTED]
    block = sc.topic_word.shape[1] // (N_PLANTED + 1)
    for planted in range(N_PLANTED):
        words = sc.vocabulary[planted * block:(planted + 1) * block]
        heavy = words[np.argsort(-sc.topic_word[planted, planted * block:(planted + 1) * block])[:5]]
        best = rep.find_topics(" ".join(heavy), n=1)["topic"].iloc[0]
        assert best == _topic_of_planted(rep, sc.labels, planted)


def test_top_documents_skip_near_duplicates():
    corpus = tm.load_corpus("newsroom")
    frame = corpus.to_frame()
    first = tm.discover(corpus, n_topics=6, n_restarts=1)
    best = first.top_documents.iloc[0]  # topic's best document: add a copy with one word changed
    text = frame.loc[frame["id"] == best["document_id"], "text"].iloc[0]
    copy = dict(frame.loc[frame["id"] == best["document_id"]].iloc[0])
    copy.update(id="copy-of-best", text=text + " Reporting by staff.")
    frame = pd.concat([frame, pd.DataFrame([copy])], ignore_index=True)
    rep = tm.discover(frame, n_topics=6, n_restarts=1, label_column="label")
    t = int(rep.document_topics.set_index("document_id").loc["copy-of-best", "topic"])
    everything = rep.top_documents_for(None)
    ids_all = everything.loc[everything["topic"] == t, "document_id"].tolist()
    assert {best["document_id"], "copy-of-best"} <= set(ids_all[:2])  # both copies lead without the check
    ids = rep.top_documents.loc[rep.top_documents["topic"] == t, "document_id"].tolist()
    assert len(ids) == 5 and len({best["document_id"], "copy-of-best"} & set(ids)) == 1
    assert ids[1:] == [i for i in ids_all if i not in (best["document_id"], "copy-of-best")][:4]
    from topicmf.report.tables import NEAR_DUPLICATE_SIMILARITY

    assert NEAR_DUPLICATE_SIMILARITY == 0.9


def test_near_duplicates_go_last_when_places_remain():
    from topicmf.report.tables import top_documents_table

    corpus = tm.load_corpus(["a b", "a b", "c d", "a b c"])
    X = sp.csr_matrix(np.array([[1, 1, 0, 0], [1, 1, 0, 0], [0, 0, 1, 1], [1, 1, 1, 0.0]]))
    W = np.array([[0.9], [0.8], [0.7], [0.6]])
    two = top_documents_table(W, corpus, 2, X=X)
    assert two["document_id"].tolist() == ["0", "2"]  # the copy "1" is skipped
    everything = top_documents_table(W, corpus, 10, X=X)
    assert everything["document_id"].tolist() == ["0", "2", "3", "1"]  # listed last, not lost
    assert everything["rank"].tolist() == [1, 2, 3, 4]
    assert top_documents_table(W, corpus, 2)["document_id"].tolist() == ["0", "1"]  # without X: by weight


# -- looking: notebook display, figures, pyLDAvis inputs -------------------------------------------


def test_repr_html_is_a_compact_escaped_summary(newsroom_report):
    renamed = newsroom_report.relabel_topics({0: "<script>alert(1)</script>"})
    out = renamed._repr_html_()
    assert "<script>" not in out and "&lt;script&gt;alert(1)&lt;/script&gt;" in out
    assert out.count("<tr>") == 1 + 6 and "6 topics" in out and "240 documents" in out
    assert "http" not in out


def test_figures_display_in_a_fresh_kernel_without_pyplot():
    """What IPython calls to show an object (``_repr_png_`` / ``_repr_html_``), in a process
    where pyplot was never imported (so no inline backend registered Figure)."""
    import subprocess
    import sys

    code = """
import sys
import topicmf as tm
rep = tm.discover("newsroom", n_topics=6, n_restarts=1)
figs = rep.figures()
assert "matplotlib.pyplot" not in sys.modules
for name, fig in figs.items():
    png = fig._repr_png_()
    assert png[:8] == b"\\x89PNG\\r\\n\\x1a\\n" and len(png) > 5000, name
    assert fig.savefig is not None
page = figs._repr_html_()
assert page.count("data:image/png;base64,") == 4
assert "matplotlib.pyplot" not in sys.modules
print("ok")
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and done.stdout.strip().endswith("ok"), done.stderr[-2000:]


def test_figures_is_still_a_dict_of_figures(newsroom_report, tmp_path):
    from matplotlib.figure import Figure

    figs = newsroom_report.figures()
    assert isinstance(figs, dict) and set(figs) == {"top_terms", "topic_sizes", "topic_similarity", "confidence"}
    assert all(isinstance(f, Figure) for f in figs.values())
    figs["topic_sizes"].savefig(tmp_path / "sizes.png")
    assert (tmp_path / "sizes.png").stat().st_size > 1000


def test_similarity_order_puts_related_topics_together():
    from topicmf.report.figures import similarity_order

    rng = np.random.default_rng(0)
    base = rng.random((3, 50)) ** 4
    H = np.vstack([base[i] + 0.05 * rng.random(50) for i in (0, 1, 2, 0, 1, 2, 0, 1, 2)])
    order = similarity_order(H @ H.T / np.outer(np.linalg.norm(H, axis=1), np.linalg.norm(H, axis=1)))
    assert sorted(order) == list(range(9))
    blocks = [int(t) % 3 for t in order]  # topics t and t+3 share a base
    assert all(len(set(blocks[i:i + 3])) == 1 for i in (0, 3, 6)), blocks


def test_similarity_figure_is_ordered_and_names_every_topic(newsroom_report):
    fig = newsroom_report.figures()["topic_similarity"]
    ax = fig.axes[0]
    names = [t.get_text() for t in ax.get_yticklabels()]
    assert sorted(names) == sorted(f"{t}: {lab}" for t, lab in enumerate(newsroom_report.topic_labels))
    from topicmf.metrics import cosine_rows
    from topicmf.report.figures import similarity_order

    order = similarity_order(cosine_rows(newsroom_report.H, newsroom_report.H))
    assert [int(n.split(":")[0]) for n in names] == order.tolist()


def test_to_pyldavis_inputs(newsroom_report):
    data = newsroom_report.to_pyldavis()
    assert set(data) == {"topic_term_dists", "doc_topic_dists", "doc_lengths", "vocab", "term_frequency"}
    k, m = newsroom_report.H.shape
    assert data["topic_term_dists"].shape == (k, m) and data["doc_topic_dists"].shape == (240, k)
    np.testing.assert_allclose(data["topic_term_dists"].sum(axis=1), 1.0)
    np.testing.assert_allclose(data["doc_topic_dists"].sum(axis=1), 1.0)
    assert len(data["vocab"]) == m == len(data["term_frequency"]) and len(set(data["vocab"])) == m
    assert (data["term_frequency"] > 0).all() and (data["doc_lengths"] > 0).all()
    assert data["doc_lengths"].sum() == data["term_frequency"].sum()
    # counts agree with X: a term is counted in a document exactly where X is non-zero
    counts = newsroom_report.term_counts
    assert (counts > 0).toarray().tolist() == (newsroom_report.X > 0).toarray().tolist()


def test_to_pyldavis_zero_rows_become_uniform():
    texts = ["bank rates economy growth"] * 4 + ["goal match striker league"] * 4 + ["the and of"]
    rep = tm.discover(texts, n_topics=2, vectorizer=tm.TextVectorizer())
    data = rep.to_pyldavis()
    np.testing.assert_allclose(data["doc_topic_dists"][-1], [0.5, 0.5])
    assert data["doc_lengths"][-1] == 0
    pyLDAvis = pytest.importorskip("pyLDAvis")
    pyLDAvis.prepare(**data)


@pytest.mark.slow
def test_bbc_top_documents_hold_no_two_copies_of_one_article():
    from conftest import shared_corpus_path

    rep = tm.discover(shared_corpus_path("bbc"), n_topics=5, n_restarts=2, label_column="label")
    X = sp.csr_matrix(rep.X)
    norms = np.sqrt(np.asarray(X.multiply(X).sum(axis=1)).ravel())
    rows = {doc_id: i for i, doc_id in enumerate(rep.corpus.ids)}
    for _, part in rep.top_documents.groupby("topic"):
        idx = [rows[d] for d in part["document_id"]]
        S = (X[idx] @ X[idx].T).toarray() / np.outer(norms[idx], norms[idx])
        np.fill_diagonal(S, 0)
        assert S.max() <= 0.9, part["document_id"].tolist()
