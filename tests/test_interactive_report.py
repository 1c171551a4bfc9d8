"""The interactive HTML report: self-contained, escaped, and it runs in a real browser."""

from __future__ import annotations

import base64
import hashlib
import json
import math
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import topicmf as tm
from topicmf.report import interactive

SCRIPT = "</script><script>alert(1)</script>"


@pytest.fixture(scope="module")
def newsroom_report():
    return tm.discover("newsroom", n_topics=6, random_state=0)


@pytest.fixture(scope="module")
def hostile_report():
    """Script tags, quotes and a U+2028 in text, ids, labels, metadata and a topic name."""
    themes = ["bank rates economy growth inflation", "goal match striker league football"]
    rows = [{"text": f"{SCRIPT} <img src=x onerror=alert(2)> {themes[i % 2]} \u2028 & \"q\" 'a'",
             "id": f"{SCRIPT}{i}", "section": f"<b>{i % 2}</b>", "date": f"2024-0{1 + i % 6}-01",
             "desk": f"<i onclick=alert(3)>{i % 3}</i>"} for i in range(24)]
    rep = tm.discover(pd.DataFrame(rows), n_topics=2, label_column="section", vectorizer=tm.TextVectorizer())
    return rep.relabel_topics({0: SCRIPT})


def _data_blob(page: str) -> str:
    match = re.search(r"<script type='application/json' id='topicmf-data'>(.*?)</script>", page, re.S)
    assert match, "no data block"
    return match.group(1)


def test_page_is_self_contained(newsroom_report, tmp_path):
    path = newsroom_report.to_html(tmp_path / "r.html", interactive=True)
    page = Path(path).read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert "http://" not in page and "https://" not in page  # no URL at all, so no network resource
    assert not re.search(r"""(src|href)\s*=\s*["']?(?!data:)[a-z]""", page, re.I)
    assert page.count("<script") == 2  # the data block and the page's own script
    assert not re.search(r"<[a-z]+[^>]*\son[a-z]+\s*=", page, re.I)  # no inline event handlers


def test_hostile_text_stays_data(hostile_report, tmp_path):
    page = Path(hostile_report.to_interactive_html(tmp_path / "h.html")).read_text(encoding="utf-8")
    assert page.count("<script") == 2 and page.lower().count("</script>") == 2
    assert "<img" not in page and "<b>" not in page and "<i " not in page and "\u2028" not in page
    assert not re.search(r"<[a-z]+[^>]*\son[a-z]+\s*=", page, re.I)  # no tag carries a handler
    blob = _data_blob(page)
    assert "<" not in blob and ">" not in blob and "&" not in blob
    assert "\\u003c/script\\u003e\\u003cscript\\u003ealert(1)" in blob
    data = json.loads(blob)  # JSON gives every character back, unchanged
    assert data["topics"][0]["label"] == SCRIPT
    assert any(row[0] == f"{SCRIPT}0" for row in data["documents"]["rows"])
    texts = [row[-1] for row in data["documents"]["rows"]]
    assert all(t.startswith(SCRIPT) and "\u2028" not in t for t in texts)  # snippets are on one line
    assert data == json.loads(interactive.json_for_html(interactive.interactive_data(hostile_report)))


def test_json_for_html_escapes_what_could_end_the_script():
    text = interactive.json_for_html({"a": "</script><!-- & \u2028\u2029 >"})
    assert not set("<>&\u2028\u2029") & set(text)
    assert json.loads(text) == {"a": "</script><!-- & \u2028\u2029 >"}
    with pytest.raises(ValueError):
        interactive.json_for_html({"x": float("nan")})


def test_content_security_policy_allows_only_the_page_script(newsroom_report, tmp_path):
    page = Path(newsroom_report.to_interactive_html(tmp_path / "r.html")).read_text(encoding="utf-8")
    csp = re.search(r"Content-Security-Policy' content=\"([^\"]+)\"", page).group(1)
    assert "default-src 'none'" in csp and "connect-src" not in csp
    script = re.findall(r"<script>(.*?)</script>", page, re.S)
    assert len(script) == 1
    digest = base64.b64encode(hashlib.sha256(script[0].encode("utf-8")).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in csp


def test_data_describes_the_report(newsroom_report):
    data = interactive.interactive_data(newsroom_report)
    k = newsroom_report.H.shape[0]
    assert data["meta"]["n_topics"] == k and data["meta"]["n_documents"] == 240
    assert [t["id"] for t in data["topics"]] == list(range(k))
    assert [t["label"] for t in data["topics"]] == newsroom_report.topic_labels
    assert abs(sum(t["share"] for t in data["topics"]) - 1) < 1e-4
    # at the slider's starting lambda the page ranks terms as the tables do
    from topicmf.defaults import RELEVANCE_LAMBDA as lam

    def relevance(row):
        p, pw = row[1], data["terms"]["p"][row[0]]
        return lam * math.log(p) + (1 - lam) * (math.log(p) - math.log(pw))

    for t, tp in enumerate(data["topics"]):
        ranked = sorted(tp["terms"], key=lambda row: -relevance(row))[:5]
        labels = [data["terms"]["labels"][row[0]] for row in ranked]
        top = newsroom_report.top_terms
        assert labels == top.loc[top["topic"] == t, "term"].tolist()[:5]
        assert all(row[2] <= data["terms"]["total"][row[0]] * (1 + 1e-6) + 1e-9 for row in tp["terms"])
    assert data["time"]["column"] == "date" and data["time"]["freq"] == "Q" and len(data["time"]["values"]) == 8
    assert [c["column"] for c in data["classes"]] == ["label", "source", "region"]
    for c in data["classes"]:
        shares = np.array(c["share"])  # topics x classes: each class's shares sum to 1
        np.testing.assert_allclose(shares.sum(axis=0), 1.0, atol=1e-4)
    docs = data["documents"]
    assert docs["columns"][:4] == ["document", "topic", "topic_label", "share"] and docs["columns"][-1] == "text"
    assert len(docs["rows"]) == 240  # each topic has 40 documents, fewer than 50


def test_topic_map_places_similar_topics_together():
    rng = np.random.default_rng(0)
    base = rng.random((2, 60)) ** 6
    H = np.vstack([base[0], base[0] + 0.02 * rng.random(60), base[1], base[1] + 0.02 * rng.random(60)])
    xy = interactive.topic_map(H)
    assert xy.shape == (4, 2) and np.abs(xy).max() <= 1 + 1e-12
    d = np.linalg.norm(xy[:, None] - xy[None], axis=2)
    assert d[0, 1] < 0.2 * d[0, 2] and d[2, 3] < 0.2 * d[1, 3]
    assert interactive.topic_map(H[:1]).shape == (1, 2)


def test_plain_list_corpus_has_no_time_or_class_charts(tmp_path):
    texts = ["bank rates economy growth"] * 5 + ["goal match striker league"] * 5
    rep = tm.discover(texts, n_topics=2, vectorizer=tm.TextVectorizer())
    data = interactive.interactive_data(rep)
    assert data["time"] is None and data["classes"] == []
    assert data["documents"]["columns"] == ["document", "topic", "topic_label", "share", "text"]


# -- in a real browser ---------------------------------------------------------------------------


def _chromium() -> str:
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        pytest.skip("chromium is not on PATH (apt-get install -y chromium); the page is not run in a browser")
    return exe


def _run_chromium(exe: str, tmp_path: Path, url: str, *args: str) -> subprocess.CompletedProcess:
    profile = tmp_path / f"profile-{len(list(tmp_path.iterdir()))}"
    cmd = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
           "--enable-logging=stderr", "--v=0", "--window-size=1280,2000", *args, url]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=180)


def _console_problems(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines()
            if "CONSOLE" in line or "Uncaught" in line or "Refused to" in line]


@pytest.mark.parametrize("which", ["newsroom_report", "hostile_report"])
def test_page_runs_in_headless_chromium(which, request, tmp_path):
    exe = _chromium()
    report = request.getfixturevalue(which)
    page = Path(report.to_interactive_html(tmp_path / "report.html")).resolve()
    url = page.as_uri()
    shot = tmp_path / "shot.png"
    done = _run_chromium(exe, tmp_path, url, f"--screenshot={shot}")
    assert shot.is_file(), done.stderr[-2000:]
    assert not _console_problems(done.stderr), _console_problems(done.stderr)
    from matplotlib.image import imread

    pixels = imread(str(shot))[..., :3]
    assert pixels.shape[:2] == (2000, 1280)
    assert pixels.std() > 0.05 and len(np.unique(pixels.reshape(-1, 3), axis=0)) > 100  # not blank
    dom = _run_chromium(exe, tmp_path, url, "--dump-dom")
    assert 'data-ready="1"' in dom.stdout, dom.stderr[-2000:]  # the script ran to its end
    assert "data-error" not in dom.stdout and not _console_problems(dom.stderr)
    assert dom.stdout.count("<circle") >= report.H.shape[0]  # the map was drawn
    assert "<tbody><tr>" in dom.stdout  # and the document table
    # data became text, never markup: no element or attribute from it in the live DOM
    assert dom.stdout.count("<script") == 2 and "<img" not in dom.stdout
    assert not re.search(r"<[a-z]+[^>]*\son[a-z]+\s*=", dom.stdout, re.I)


def test_period_length_fits_the_dates():
    def freq(dates):
        return interactive._choose_freq(tm.report.over_time.period_values(pd.Series(dates), "D"))

    assert freq(pd.date_range("2024-01-01", "2025-12-31", periods=240).astype(str)) == "Q"  # 8 x 30
    assert freq(pd.date_range("2020-01-01", "2024-12-31", periods=6000).astype(str)) == "M"  # 60 x 100
    assert freq(pd.date_range("2024-01-01", "2024-06-01", periods=24).astype(str)) == "Q"  # few: >= 2 periods
    assert freq([None, "not a date"]) is None
