import json

import pandas as pd
import pytest

import topicmf as tm
from topicmf.cli import main


def test_help_everywhere(capsys):
    assert main(["--help"]) == 0
    for cmd in ("demo", "discover", "transform", "info", "select-k", "corpora"):
        assert main([cmd, "--help"]) == 0
    assert "usage: topicmf" in capsys.readouterr().out


def test_demo_writes_report(tmp_path, capsys):
    assert main(["demo", "--out", str(tmp_path / "demo"), "-q"]) == 0
    out = capsys.readouterr().out
    assert "coherence" in out and "report.html" in out
    assert (tmp_path / "demo" / "report.html").is_file()
    assert len(pd.read_csv(tmp_path / "demo" / "document_topics.csv")) == 240


def test_discover_transform_info(tmp_path, capsys):
    data = tm.load_corpus("newsroom").to_frame()
    src = tmp_path / "docs.csv"
    data.to_csv(src, index=False)
    model = tmp_path / "m.topicmf"
    rc = main(["discover", str(src), "--topics", "6", "--restarts", "2", "--label-column", "label",
               "--out", str(tmp_path / "rep"), "--format", "html,csv,md,xlsx", "--save-model", str(model),
               "--seed", "3", "-q"])
    assert rc == 0
    for name in ("report.html", "report.md", "report.xlsx", "topics.csv", "summary.json"):
        assert (tmp_path / "rep" / name).is_file()
    assert json.loads((tmp_path / "rep" / "summary.json").read_text())["seed"] == 3
    assert main(["transform", str(model), str(src), "--out", str(tmp_path / "scored.jsonl"), "-q"]) == 0
    scored = pd.read_json(tmp_path / "scored.jsonl", lines=True)
    assert len(scored) == 240 and "topic_label" in scored.columns
    capsys.readouterr()
    assert main(["info", str(model)]) == 0
    assert "6 topics" in capsys.readouterr().out


def test_select_k_command(tmp_path, capsys):
    assert main(["select-k", "newsroom", "--topics", "4:8:2", "--restarts", "3",
                 "--out", str(tmp_path / "k"), "-q"]) == 0
    out = capsys.readouterr().out
    assert "k = 6" in out
    assert (tmp_path / "k" / "select_k.png").is_file()


@pytest.mark.parametrize("argv,needle", [
    (["discover", "no/such/file.csv", "--topics", "3"], "no such file"),
    (["discover", "newsroom", "--topics", "3", "--text-column", "body", "-q"], "--text-column 'body' is not a column"),
    (["info", "missing.topicmf"], "no such model file"),
    (["transform", "missing.topicmf", "newsroom", "--out", "x.csv"], "no such model file"),
    (["discover", "newsroom", "--topics", "0"], "argument --topics: expected an integer >= 1; got '0'"),
])
def test_bad_input_one_line_exit_2(argv, needle, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert needle in err and "\n" not in err and "Traceback" not in err


def test_unreadable_model_file(tmp_path, capsys):
    bad = tmp_path / "bad.topicmf"
    bad.write_bytes(b"garbage")
    assert main(["info", str(bad)]) == 2
    assert "not a readable topicmf model" in capsys.readouterr().err


def test_python_dash_m(tmp_path):
    import subprocess
    import sys

    r = subprocess.run([sys.executable, "-m", "topicmf", "corpora"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and "newsroom" in r.stdout


def test_vectorizer_options_reach_the_model(tmp_path, capsys):
    (tmp_path / "stop.txt").write_text("# my list\nbank\nrates\n\n", encoding="utf-8")
    rc = main(["discover", "newsroom", "--topics", "3", "--restarts", "2", "--min-df", "3", "--max-df", "0.4",
               "--ngrams", "1,2", "--stop-words", str(tmp_path / "stop.txt"), "--jobs", "1",
               "--out", str(tmp_path / "rep"), "--format", "csv", "-q"])
    assert rc == 0
    s = json.loads((tmp_path / "rep" / "summary.json").read_text())
    vec = s["vectorizer_settings"]
    assert (vec["min_df"], vec["max_df"], vec["ngram_range"]) == (3, 0.4, "(1, 2)")
    assert vec["stop_words"] == "['bank', 'rates']"  # the summary shows a list by its repr
    assert s["model_settings"]["n_jobs"] == 1
    terms = pd.read_csv(tmp_path / "rep" / "top_terms.csv")["term"]
    assert not terms.isin(["bank", "rates"]).any()


def test_options_not_given_keep_the_default_vectorizer(monkeypatch, tmp_path):
    import topicmf.pipeline

    seen = {}

    def fake(corpus, **kwargs):
        seen.update(kwargs)
        raise KeyboardInterrupt

    monkeypatch.setattr(topicmf.pipeline, "discover", fake)
    assert main(["discover", "newsroom", "--topics", "3", "--out", str(tmp_path / "r"), "-q"]) == 130
    assert seen["vectorizer_options"] == {} and "vectorizer" not in seen and "n_jobs" not in seen
    assert main(["discover", "newsroom", "--topics", "3", "--stop-words", "none", "--max-df", "1",
                 "--out", str(tmp_path / "r"), "-q"]) == 130
    options = seen["vectorizer_options"]
    assert options == {"stop_words": None, "max_df": 1} and isinstance(options["max_df"], int)
    vec = topicmf.pipeline.default_vectorizer(240, 3).set_params(**options)  # what discover builds
    assert vec.min_df == topicmf.pipeline.default_vectorizer(240, 3).min_df  # the default kept


def test_discover_applies_vectorizer_options_to_the_default():
    report = tm.discover("newsroom", 3, n_restarts=1, vectorizer_options={"min_df": 4, "stop_words": None})
    assert report.vectorizer.min_df == 4 and report.vectorizer.stop_words is None
    assert report.vectorizer.stemmer == tm.pipeline.default_vectorizer(240, 3).stemmer
    with pytest.raises(ValueError, match="'vectorizer' or 'vectorizer_options', not both"):
        tm.discover("newsroom", 3, vectorizer=tm.TextVectorizer(), vectorizer_options={"min_df": 2})


def test_formula_guard_on_by_default_and_opt_out(tmp_path, capsys, monkeypatch):
    import topicmf.pipeline

    data = tm.load_corpus("newsroom").to_frame()
    data.loc[0, "id"] = "=HYPERLINK(\"http://x\")"
    data.loc[1, "title"] = "@SUM(A1:A9)"
    src = tmp_path / "docs.csv"
    data.to_csv(src, index=False)
    model = tmp_path / "m.topicmf"
    seen = {}
    real = topicmf.pipeline.discover

    def spy(*args, **kwargs):
        seen["report"] = real(*args, **kwargs)
        return seen["report"]

    monkeypatch.setattr(topicmf.pipeline, "discover", spy)
    assert main(["discover", str(src), "--topics", "3", "--restarts", "1", "--out", str(tmp_path / "safe"),
                 "--format", "csv", "--save-model", str(model), "-q"]) == 0
    ids = pd.read_csv(tmp_path / "safe" / "document_topics.csv", keep_default_na=False)["document_id"]
    assert "'=HYPERLINK(\"http://x\")" in set(ids)
    monkeypatch.setattr(topicmf.pipeline, "discover", lambda *a, **k: seen["report"])
    assert main(["discover", str(src), "--topics", "3", "--out", str(tmp_path / "raw"), "--format", "csv",
                 "--no-formula-guard", "-q"]) == 0
    ids = pd.read_csv(tmp_path / "raw" / "document_topics.csv", keep_default_na=False)["document_id"]
    assert "=HYPERLINK(\"http://x\")" in set(ids)

    for name, flags, want in (("s.csv", [], "'@SUM(A1:A9)"), ("r.csv", ["--no-formula-guard"], "@SUM(A1:A9)"),
                              ("s.tsv", [], "'@SUM(A1:A9)"), ("s.jsonl", [], "@SUM(A1:A9)")):
        assert main(["transform", str(model), str(src), "--out", str(tmp_path / name), *flags, "-q"]) == 0
        path = tmp_path / name
        table = (pd.read_json(path, lines=True) if name.endswith(".jsonl")
                 else pd.read_csv(path, sep="\t" if name.endswith(".tsv") else ",", keep_default_na=False))
        assert want in set(table["title"]), (name, table["title"].head(3).tolist())
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no staging or temp files left


def test_select_k_comma_list_parses():
    from topicmf.cli import _topics_range

    assert _topics_range("4,6") == [4, 6]
    assert _topics_range("6,4,6") == [4, 6]
    assert _topics_range("4:10:3") == [4, 7, 10]
    assert _topics_range("5") == [5]


def test_json_format_and_transform_remembers_the_models_columns(tmp_path, capsys):
    import json

    import pandas as pd

    import topicmf as tm
    from topicmf.cli import main

    corpus = tm.load_corpus("newsroom")
    frame = pd.DataFrame({"body": corpus.texts, "key": [f"doc-{i}" for i in range(len(corpus))]})
    src = tmp_path / "docs.csv"
    frame.to_csv(src, index=False)
    out = tmp_path / "rep"
    assert main(["discover", str(src), "--topics", "3", "--restarts", "1", "--text-column", "body",
                 "--id-column", "key", "--out", str(out), "--format", "json",
                 "--save-model", str(tmp_path / "m.topicmf"), "-q"]) == 0
    doc = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert set(doc) == {"summary", "topics", "top_terms", "top_documents", "document_topics"}
    assert len(doc["document_topics"]) == len(corpus) and doc["summary"]["n_topics"] == 3
    new = tmp_path / "new.csv"
    frame.head(5).to_csv(new, index=False)
    scored = tmp_path / "scored.csv"
    # no --text-column / --id-column: the model remembers "body" and "key"
    assert main(["transform", str(tmp_path / "m.topicmf"), str(new), "--out", str(scored), "-q"]) == 0
    table = pd.read_csv(scored)
    assert list(table["document_id"]) == [f"doc-{i}" for i in range(5)]


def test_language_option_reaches_the_vectorizer(monkeypatch, tmp_path, capsys):
    import topicmf.pipeline

    seen = {}

    def fake(corpus, **kwargs):
        seen.update(kwargs)
        raise KeyboardInterrupt

    monkeypatch.setattr(topicmf.pipeline, "discover", fake)
    assert main(["discover", "newsroom", "--topics", "3", "--language", "German", "--stop-words", "auto",
                 "--out", str(tmp_path / "r"), "-q"]) == 130
    assert seen["vectorizer_options"] == {"language": "german", "stop_words": "auto"}
    vec = topicmf.pipeline.configured_vectorizer(240, 3, seen["vectorizer_options"])
    assert vec.language == "german" and vec.stemmer == "snowball"  # NLTK's Snowball outside English
    assert topicmf.pipeline.configured_vectorizer(240, 3, {"language": "chinese"}).stemmer == "porter"
    assert topicmf.pipeline.configured_vectorizer(240, 3, {"clean": "auto"}).cleaner_options is None  # every family
    default = topicmf.pipeline.configured_vectorizer(240, 3, {})
    assert default.cleaner_options == topicmf.pipeline.DEFAULT_CLEANER_OPTIONS
    capsys.readouterr()
    assert main(["discover", "newsroom", "--topics", "3", "--language", "klingon", "--out", str(tmp_path / "r")]) == 2
    assert "unknown language 'klingon'; choose from arabic," in capsys.readouterr().err
