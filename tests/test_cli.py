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
