import json

import numpy as np
import pandas as pd
import pytest

import topicmf as tm
import topicmf.report.tables
from topicmf.report import (
    DOCUMENT_TOPICS_COLUMNS,
    TOP_DOCUMENTS_COLUMNS,
    TOP_TERMS_COLUMNS,
    TOPICS_COLUMNS,
)


@pytest.fixture(scope="module")
def report():
    return tm.discover("newsroom", n_topics=6, random_state=0)


def test_tables_have_documented_columns(report):
    meta = ["label", "title", "date", "source", "region"]
    assert list(report.topics.columns) == TOPICS_COLUMNS
    assert list(report.top_terms.columns) == TOP_TERMS_COLUMNS
    assert list(report.top_documents.columns) == TOP_DOCUMENTS_COLUMNS + meta
    assert list(report.document_topics.columns) == DOCUMENT_TOPICS_COLUMNS + meta
    assert len(report.topics) == 6 and len(report.top_terms) == 60
    assert (report.top_documents.groupby("topic").size() == 5).all()


def test_every_document_exactly_once(report, newsroom):
    dt = report.document_topics
    assert dt["document_id"].tolist() == newsroom.ids
    assert dt["share"].between(0, 1).all() and (dt["margin"] >= 0).all()
    assert report.topics["size"].sum() == len(newsroom)


def test_topics_are_the_planted_themes(report):
    s = report.summary()
    assert s["clustering_nmi"] > 0.9 and s["coherence_npmi"] > 0.3
    # labels are surface words, never stems
    vocab_words = {w.lower() for t in report.corpus.texts for w in t.replace(".", " ").split()}
    for term in report.top_terms["term"]:
        assert term in vocab_words


def test_stability_is_reported(report):
    assert report.topics["stability"].between(0, 1 + 1e-9).all()
    assert report.summary()["stability"] > 0.9


def test_report_never_changes_model_arrays():
    corpus = tm.load_corpus("newsroom")
    vec = tm.TextVectorizer(min_df=2)
    X = vec.fit_transform(corpus)
    model = tm.TopicNMF(5, n_restarts=2, random_state=0).fit(X)
    H = model.components_.copy()
    W = model.transform(X)
    W_before = W.copy()
    rep = tm.TopicReport(corpus, vec, model, X, W)
    rep.topics, rep.top_terms, rep.top_documents, rep.document_topics, rep.summary(), rep.figures()
    np.testing.assert_array_equal(model.components_, H)
    np.testing.assert_array_equal(W, W_before)


def test_html_escapes_documents_and_is_self_contained(tmp_path):
    docs = ["<script>alert('x')</script> bank rates inflation economy"] * 3 + \
           ["goal striker match football league"] * 3 + ["bank economy rates growth"] * 2
    frame = pd.DataFrame({"text": docs, "source": ["<b>wire</b>"] * 8})
    rep = tm.discover(frame, n_topics=2, vectorizer=tm.TextVectorizer())
    path = rep.to_html(tmp_path / "r.html")
    html = open(path, encoding="utf-8").read()
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<b>wire</b>" not in html and "&lt;b&gt;wire&lt;/b&gt;" in html
    assert "http://" not in html and "https://" not in html  # no network assets
    assert html.count("data:image/png;base64,") == 4


def test_csv_markdown_excel(report, tmp_path):
    paths = report.to_csv(tmp_path / "csv")
    assert len(paths) == 5
    back = pd.read_csv(tmp_path / "csv" / "document_topics.csv")
    assert len(back) == 240
    summary = json.loads((tmp_path / "csv" / "summary.json").read_text())
    assert summary["n_topics"] == 6 and "versions" in summary
    md = report.to_markdown()
    assert md.startswith("# Topic report") and md.count("\n| ") >= 6
    pytest.importorskip("openpyxl")
    report.to_excel(tmp_path / "r.xlsx")
    sheets = pd.read_excel(tmp_path / "r.xlsx", sheet_name=None)
    assert set(sheets) == {"summary", "topics", "top_terms", "top_documents", "document_topics"}


def test_top_documents_all(report):
    everything = report.top_documents_for(None)
    assert everything.groupby("topic")["rank"].max().sum() == len(everything)
    assert len(everything) >= 240


def test_empty_document_flagged_low_confidence():
    texts = ["bank rates economy growth"] * 4 + ["goal match striker league"] * 4 + ["the and of"]
    rep = tm.discover(texts, n_topics=2, vectorizer=tm.TextVectorizer())
    row = rep.document_topics.iloc[-1]
    assert row["low_confidence"] and row["share"] == 0
    assert rep.summary()["n_empty_documents"] == 1


# -- pandas first: identity and names ----------------------------------------------


def test_topic_name_and_known_class_have_their_own_columns(report):
    assert "topic_label" in report.topics.columns and "label" not in report.topics.columns
    assert report.topics.set_index("topic")["topic_label"].sort_index().tolist() == report.topic_labels
    dt = report.document_topics
    assert dt["topic_label"].tolist() == [report.topic_labels[t] for t in dt["topic"]]
    assert dt["label"].tolist() == report.corpus.labels  # the known class, from label_column


def test_document_topics_indexed_like_the_input_rows(report, newsroom):
    dt = report.document_topics
    assert dt.index.equals(pd.RangeIndex(len(newsroom)))  # a file: positions; ids in document_id
    frame = newsroom.to_frame()
    joined = frame[["id"]].join(dt[["topic", "document_id"]])
    assert (joined["document_id"] == joined["id"]).all()


def test_document_topics_table_aligns_a_filtered_frame(report):
    # a filtered frame whose index starts at 896: a join must pair each row with its own document
    rng = np.random.default_rng(0)
    frame = report.corpus.to_frame().drop(columns=["id"])
    frame.index = pd.RangeIndex(896, 896 + len(frame))
    frame = frame.iloc[np.sort(rng.choice(len(frame), 150, replace=False))]
    corpus = tm.load_corpus(frame)
    W = rng.random((len(frame), 3))
    table = tm.report.tables.document_topics_table(W, corpus, ["a", "b", "c"], index=frame.index)
    joined = frame[["text"]].join(table[["topic", "title"]])
    assert joined["topic"].notna().all()
    assert (joined["title"] == frame["title"]).all()  # the right document on every row
    assert (joined["topic"].to_numpy() == W.argmax(axis=1)).all()
    with pytest.raises(ValueError, match="index has 2 entries"):
        tm.report.tables.document_topics_table(W, corpus, ["a", "b", "c"], index=pd.Index([1, 2]))


@pytest.mark.xfail(
    not any(f == "index" for f in tm.Corpus.__dataclass_fields__), strict=True,
    reason="topicmf/corpora.py drops the DataFrame's index (ids are row positions 0..n-1): "
           "Corpus needs an 'index' field holding frame.index when there is no id column",
)
def test_discover_on_a_filtered_frame_joins_back():
    corpus = tm.load_corpus("newsroom")
    frame = corpus.to_frame().drop(columns=["id"])
    frame.index = pd.RangeIndex(896, 896 + len(frame))
    frame = frame[frame["region"] != "east"]
    rep = tm.discover(frame, n_topics=6, n_restarts=1)
    joined = frame.join(rep.document_topics[["topic", "topic_label"]])
    assert joined["topic"].notna().all() and len(joined) == len(frame)
    assert rep.document_topics.index.equals(frame.index)


def test_transform_texts_matches_document_topics(report, newsroom):
    scored = report.to_model().transform_texts(newsroom)
    dt = report.document_topics
    assert list(scored.columns) == list(dt.columns)
    assert scored.index.equals(dt.index)
    assert (scored["topic"] == dt["topic"]).mean() > 0.95


def test_empty_and_duplicate_topics_are_said_not_hidden():
    """An L1 penalty so strong that H is all zero must not look like k identical real topics."""
    import warnings

    import topicmf as tm

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        report = tm.discover("newsroom", n_topics=3, n_restarts=1, l1_H=1e6)
    said = [str(w.message) for w in caught if "empty topic" in str(w.message)]
    assert said and "3 empty topic(s)" in said[0]
    assert set(report.topics["topic_label"]) == {"(empty topic)"}
    assert set(report.topics["top_terms"]) == {""} and report.topics["coherence_npmi"].isna().all()
    assert report.top_terms.empty  # no term of weight zero is listed as a top term
    summary = report.summary()
    assert summary["empty_topics"] == [0, 1, 2]
    assert summary["coherence_npmi"] is None  # no mean over terms no topic has
    assert not report.W.any() and (report.topics["size"] == 0).all()  # empty topics explain no document
    assert "degenerate topics" in report.to_markdown()
    report._repr_html_()
    from topicmf.report.interactive import interactive_html

    assert "Topic report" in interactive_html(report)


def test_discover_with_a_scikit_learn_vectorizer(tmp_path):
    import pytest
    from sklearn.feature_extraction.text import TfidfVectorizer

    import topicmf as tm

    report = tm.discover("newsroom", n_topics=6, n_restarts=1,
                         vectorizer=TfidfVectorizer(stop_words="english", min_df=2, sublinear_tf=True))
    assert len(report.topics) == 6 and report.topics["top_terms"].str.len().min() > 0
    assert len(report.document_topics) == 240
    report.to_csv(tmp_path)
    with pytest.raises(TypeError, match="TextVectorizer"):
        tm.save_model(report, tmp_path / "m.topicmf")


def test_summary_names_what_cleaning_removed():
    """discover's default cleaning (Java runtime frames): the summary says what matched, or that nothing did."""
    corpus = tm.load_corpus("newsroom")
    trace = ("\n\tat sun.reflect.NativeMethodAccessorImpl.invoke0(Native Method)"
             "\n\tat java.lang.reflect.Method.invoke(Method.java:606)\n")
    texts = [t + trace if i % 10 == 0 else t for i, t in enumerate(corpus.texts)]
    traced = tm.discover(texts, n_topics=6, n_restarts=1)
    assert "rules: runtime_frames (24 docs)" in traced.to_markdown()
    plain = tm.discover(corpus, n_topics=6, n_restarts=1)
    assert "rules: nothing matched (runtime_frames applied)" in plain.to_markdown()
