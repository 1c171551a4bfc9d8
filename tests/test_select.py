import numpy as np
import pandas as pd
import pytest

import topicmf as tm
from topicmf.select import recommend, select_k, topic_lineage


@pytest.mark.parametrize("planted, seed", [
    (5, 0),
    pytest.param(5, 1, marks=pytest.mark.slow),
    pytest.param(10, 0, marks=pytest.mark.slow),
    pytest.param(10, 1, marks=pytest.mark.slow),
    pytest.param(20, 0, marks=pytest.mark.slow),
    pytest.param(20, 1, marks=pytest.mark.slow),
])
def test_recommends_the_planted_number_of_topics(planted, seed):
    sc = tm.make_planted_corpus(1500, planted, 3000, 80, noise=0.2, seed=seed)
    ks = [planted - 2, planted - 1, planted, planted + 1, planted + 2]
    sel = select_k(sc.texts, ks, n_restarts=4, random_state=0, progress=False)
    assert sel.recommended_k == planted, sel.table.to_string()
    row = sel.table.set_index("k").loc[planted]
    assert row.stability_min > 0.95


def test_table_plot_explain_lineage(tmp_path):
    sel = select_k("newsroom", [4, 6, 8], n_restarts=3, random_state=0, progress=False)
    assert list(sel.table["k"]) == [4, 6, 8]
    assert sel.recommended_k == 6
    text = sel.explain()
    assert "k = 6" in text and "minimum stability" in text
    fig = sel.plot()
    assert len(fig.axes) == 3
    lin = sel.lineage
    assert set(lin["k_from"]) == {4, 6} and set(lin["relation"]) <= {"stable", "split", "merge", "weak"}
    # 4 -> 6: the six themes come from the four topics, so something splits
    assert (lin[lin["k_from"] == 4]["relation"] == "split").any()
    paths = sel.write(tmp_path)
    assert len(paths) == 4 and pd.read_csv(paths[0]).shape[0] == 3


def test_recommend_rule_is_transparent():
    table = pd.DataFrame({
        "k": [4, 5, 6, 7],
        "coherence_npmi": [0.30, 0.29, 0.20, 0.31],
        "stability_min": [0.7, 0.99, 1.0, 0.5],
        "stability_mean": [0.9, 0.99, 1.0, 0.8],
    })
    # 6 is the most stable but its coherence is 0.11 below the best: not eligible
    assert recommend(table, 0.05) == 5
    assert recommend(table, 0.2) == 6


def test_lineage_split_merge():
    H4 = np.eye(4, 10)
    H5 = np.vstack([np.eye(4, 10), np.eye(4, 10)[3] + 0.9 * np.eye(1, 10, 4)])
    H5[3] = np.eye(1, 10, 3) + 0.9 * np.eye(1, 10, 5)
    lin = topic_lineage({4: H4, 5: H5})
    assert lin[(lin.topic_from == 0) & (lin.topic_to == 0)]["relation"].item() == "stable"
    assert set(lin[lin.topic_from == 3]["relation"]) == {"split"}


def test_bad_arguments():
    with pytest.raises(ValueError, match="n_restarts"):
        select_k("newsroom", [3], n_restarts=1)
    import scipy.sparse as sp

    X = sp.random(30, 20, density=0.3, format="csr", random_state=np.random.RandomState(0))
    with pytest.raises(ValueError, match=r"largest k \(25\) exceeds min\(n_documents, n_terms\) = 20"):
        select_k(X, [5, 25], n_restarts=2)
