"""The factorization core: graph, optimisers, restarts and the TopicNMF estimator (either backend)."""

import numpy as np
import pytest
import scipy.sparse as sp

import topicmf as tm
from topicmf.defaults import RACE_MIN_ITER
from topicmf.factorize import _graph
from topicmf.factorize._backend import backend as tensor_backend
from topicmf.factorize._backend import sparse as backend_sparse
from topicmf.factorize._backend import tensor as at
from topicmf.factorize._solver import get_solver
from topicmf.factorize.optimizers import names as optimizer_names

OPTIMIZERS = ["hals", "mu", "apg", "normalized"]


def test_registry_holds_every_optimizer_default_first():
    assert optimizer_names() == ("hals", "apg", "mu", "normalized")


def _numpy_objective(X, W, H, l1_W=0.0, l1_H=0.0, l2_W=0.0, l2_H=0.0):
    """Short, obviously correct reference (dense; small X only)."""
    R = X.toarray() - W @ H
    return (0.5 * np.sum(R**2) + 0.5 * l2_W * np.sum(W**2) + 0.5 * l2_H * np.sum(H**2)
            + l1_W * W.sum() + l1_H * H.sum())


@pytest.fixture()
def small_X():
    return sp.random(40, 30, density=0.2, format="csr", random_state=np.random.RandomState(0))


def _planted(n=60, m=50, r=4, seed=0):
    rng = np.random.default_rng(seed)
    W = rng.random((n, r)) * (rng.random((n, r)) < 0.6)
    H = rng.random((r, m)) * (rng.random((r, m)) < 0.5)
    return sp.csr_matrix(W @ H)


def test_objective_gradient_matches_finite_differences(small_X):
    rng = np.random.default_rng(3)
    X_const = backend_sparse.as_sparse_variable(small_X)

    def objective(W, Ht):
        p = _graph.Problem(
            X_sparse=X_const, X_parts=(), XT_parts=(), W=W, Ht=Ht,
            norm_X2=at.constant(float(small_X.data @ small_X.data)),
            l1_W=at.constant(0.3), l1_H=at.constant(0.1), l2_W=at.constant(0.2), l2_H=at.constant(0.4),
            n_sweeps=at.constant(1),
        )
        return _graph.build_objective(p)

    tensor_backend.gradient.verify_grad(objective, [rng.random((40, 3)), rng.random((30, 3))],
                                        rng=np.random.RandomState(3))


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_compiled_loss_equals_numpy_reference(small_X, optimizer):
    rng = np.random.default_rng(4)
    W, Ht = rng.random((40, 3)), rng.random((30, 3))
    s = get_solver(optimizer)
    try:
        s.set_data(small_X, small_X.T.tocsr())
        s.set_penalties(0.3, 0.1, 0.2, 0.4, 1)
        s.set_factors(W, Ht)
        ref = _numpy_objective(small_X, W, Ht.T, 0.3, 0.1, 0.2, 0.4)
        assert abs(s.loss() - ref) <= 1e-10 * abs(ref)
        # the step's own loss (from the products it already has) is f at the new point
        loss, _, _ = s.step()
        W1, Ht1 = s.get_factors()
        ref1 = _numpy_objective(small_X, W1, Ht1.T, 0.3, 0.1, 0.2, 0.4)
        assert abs(loss - ref1) <= 1e-10 * abs(ref1)
    finally:
        s.release()


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_objective_never_increases_and_factors_nonnegative(optimizer):
    X = _planted(seed=5) + sp.random(60, 50, density=0.05, format="csr", random_state=np.random.RandomState(5))
    model = tm.TopicNMF(4, optimizer=optimizer, n_restarts=1, max_iter=150, tol=0, random_state=5,
                        l1_W=0.01, l2_H=0.01).fit(X)
    h = model.loss_history_
    assert len(h) == 150
    assert np.all(np.diff(h) <= 1e-12 * h[0]), f"{optimizer}: objective rose"
    assert h[-1] < h[0]
    assert model.components_.min() >= 0 and model.transform(X).min() >= 0


def test_more_l1_gives_more_zeros_and_l2_smaller_norms():
    X = tm.TextVectorizer(min_df=2).fit_transform(tm.load_corpus("newsroom"))
    kw = dict(n_restarts=1, random_state=0, max_iter=100)
    base = tm.TopicNMF(6, **kw)
    W0 = base.fit_transform(X)
    l1 = tm.TopicNMF(6, l1_W=0.01, l1_H=0.01, **kw)
    W1 = l1.fit_transform(X)
    assert (W1 == 0).mean() > (W0 == 0).mean()
    assert (l1.components_ == 0).mean() > (base.components_ == 0).mean()

    # W and H trade scale, so compare the scale-free size sum_j ||w_j|| ||h_j||
    def size(W, H):
        return float(np.sum(np.linalg.norm(W, axis=0) * np.linalg.norm(H, axis=1)))

    sizes = []
    for l2 in (0.0, 0.2, 1.0):
        m = tm.TopicNMF(6, l2_W=l2, l2_H=l2, **kw)
        sizes.append(size(m.fit_transform(X), m.components_))
    assert sizes[0] > sizes[1] > sizes[2]


def test_planted_noiseless_factorization_recovered():
    X = _planted(n=80, m=60, r=4, seed=6)
    model = tm.TopicNMF(4, n_restarts=4, max_iter=3000, tol=1e-14, random_state=0)
    model.fit(X)
    rel = model.reconstruction_err_ / sp.linalg.norm(X)
    assert rel < 1e-3, rel


def test_same_seed_identical_serial_and_parallel():
    X = tm.TextVectorizer(min_df=2).fit_transform(tm.load_corpus("newsroom"))
    a = tm.TopicNMF(5, n_restarts=3, random_state=42, max_iter=60).fit(X)
    b = tm.TopicNMF(5, n_restarts=3, random_state=42, max_iter=60).fit(X)
    c = tm.TopicNMF(5, n_restarts=3, random_state=42, max_iter=60, n_jobs=2).fit(X)
    np.testing.assert_array_equal(a.components_, b.components_)
    np.testing.assert_array_equal(a.components_, c.components_)
    np.testing.assert_array_equal(a.restart_losses_, c.restart_losses_)
    d = tm.TopicNMF(5, n_restarts=3, random_state=43, max_iter=60).fit(X)
    assert not np.array_equal(a.components_, d.components_)


def test_restart_bookkeeping_and_racing():
    X = tm.TextVectorizer(min_df=2).fit_transform(tm.load_corpus("newsroom"))
    kw = dict(n_restarts=8, random_state=1, max_iter=2000, tol=1e-4)
    m = tm.TopicNMF(12, **kw).fit(X)
    # the lowest loss, or restart 0 for a challenger stopped at restart 0's optimum
    assert m.restart_losses_[m.best_restart_] <= m.restart_losses_.min() * (1 + 1e-6)
    assert len(m.restart_losses_) == 8 == len(m.restart_components_)
    # restart 0 converges (T iterations); the seven challengers share T / 2; at most
    # one goes on, up to T: at most 2.5 T iterations in all
    T = m.restart_n_iter_[0]
    assert m.restart_converged_[0]
    budget = max(RACE_MIN_ITER, int(np.ceil(T / 14)))
    assert np.sum(m.restart_n_iter_ == budget) >= 6
    assert np.all(m.restart_n_iter_[1:] <= T)
    assert m.restart_n_iter_.sum() <= 2.5 * T
    full = tm.TopicNMF(12, race=False, **kw).fit(X)
    assert full.restart_converged_.all()
    np.testing.assert_array_equal(full.restart_losses_[0], m.restart_losses_[0])


def test_fit_transform_matches_transform():
    X = tm.TextVectorizer(min_df=2).fit_transform(tm.load_corpus("newsroom"))
    model = tm.TopicNMF(6, n_restarts=1, random_state=0, max_iter=1000, tol=1e-10)
    W = model.fit_transform(X)
    W2 = model.transform(X, tol=1e-9, max_iter=5000)
    np.testing.assert_allclose(W2, W, atol=1e-4 * W.max())


def test_dense_input_float32_and_function_twin():
    X = _planted(seed=7)
    W, H = tm.nmf(X.toarray(), 4, n_restarts=1, random_state=0)
    assert W.shape == (60, 4) and H.shape == (4, 50)
    m32 = tm.TopicNMF(4, dtype="float32", n_restarts=1, random_state=0).fit(X)
    assert m32.components_.dtype == np.float32
    assert m32.reconstruction_err_ < 0.05 * sp.linalg.norm(X) + 1e-3


def test_nndsvd_init_and_inverse_transform():
    from topicmf.factorize._init import nndsvd_init, random_init

    X = _planted(seed=8)
    rng = np.random.default_rng(0)
    W0, Ht0 = nndsvd_init(X, 4, rng)
    Wr, Htr = random_init(X, 4, np.random.default_rng(0))
    assert W0.min() > 0 and Ht0.min() > 0  # zeros are filled, so every entry can move

    def rel(W, Ht):
        return np.linalg.norm(X.toarray() - W @ Ht.T) / sp.linalg.norm(X)

    # the SVD-based start is already close to X; a random start is not
    assert rel(W0, Ht0) < 0.6 * rel(Wr, Htr)
    m = tm.TopicNMF(4, init="nndsvd", n_restarts=2, random_state=0).fit(X)
    W = m.transform(X[:3])
    np.testing.assert_allclose(m.inverse_transform(W), W @ m.components_)
    assert m.inverse_transform(W).shape == (3, 50)


def test_all_zero_rows_and_columns_are_fine():
    X = _planted(seed=9).tolil()
    X[3, :] = 0
    X[:, 7] = 0
    m = tm.TopicNMF(3, n_restarts=1, random_state=0).fit(X.tocsr())
    assert np.isfinite(m.components_).all() and m.components_[:, 7].max() == 0


@pytest.mark.parametrize("params,match", [
    ({"n_topics": 0}, r"'n_topics' must be an int >= 1; got 0"),
    ({"n_topics": 99}, r"'n_topics' must be at most min\(n_documents, n_terms\) = min\(60, 50\) = 50; got 99"),
    ({"l1_W": -0.5}, r"'l1_W' must be a float >= 0; got -0.5"),
    ({"l2_H": float("nan")}, r"'l2_H' must be a float >= 0"),
    ({"optimizer": "sgd"}, r"'optimizer' must be one of 'hals', 'apg', 'mu', 'normalized'; got 'sgd'"),
    ({"init": "nndsvdar"}, r"'init' must be 'random' or 'nndsvd'"),
    ({"n_restarts": 0}, r"'n_restarts' must be an int >= 1"),
    ({"n_threads": 0}, r"'n_threads' must be None or an int >= 1"),
    ({"inner_sweeps": 0}, r"'inner_sweeps' must be None or an int >= 1; got 0"),
    ({"n_components": 0}, r"'n_components' must be an int >= 1 or None"),
    ({"dtype": "float16"}, r"'dtype' must be 'float64' or 'float32'; got 'float16'"),
    ({"dtype": "nonsense"}, r"'dtype' must be 'float64' or 'float32'; got 'nonsense'"),
])
def test_bad_parameters(params, match):
    X = _planted(seed=10)
    kw = {"n_topics": 3, **params}
    with pytest.raises(ValueError, match=match):
        tm.TopicNMF(**kw).fit(X)


def test_bad_matrices():
    with pytest.raises(ValueError, match="negative"):
        tm.TopicNMF(2).fit(sp.csr_matrix(np.array([[1.0, -1.0], [0.5, 0.2]])))
    with pytest.raises(ValueError, match="NaN|infinity"):
        tm.TopicNMF(2).fit(np.array([[1.0, np.nan], [0.5, 0.2]]))
    with pytest.raises(ValueError):
        tm.TopicNMF(2).fit(sp.csr_matrix((0, 5)))


def test_diverging_restart_is_dropped_with_warning(monkeypatch):
    from topicmf.factorize import _solver

    real_step = _solver.Solver.step
    calls = {"n": 0}

    def step(self):
        calls["n"] += 1
        loss, ok, violation = real_step(self)
        # the first restart blows up on its third iteration
        return (float("nan"), ok, violation) if calls["n"] == 3 else (loss, ok, violation)

    monkeypatch.setattr(_solver.Solver, "step", step)
    X = _planted(seed=11)
    with pytest.warns(RuntimeWarning, match="restart 0 diverged"):
        m = tm.TopicNMF(3, n_restarts=2, random_state=0, race=False).fit(X)
    assert np.isinf(m.restart_losses_[0]) and m.best_restart_ == 1
    assert np.isfinite(m.components_).all()


def test_fitted_model_holds_only_numpy_and_pickles():
    import pickle

    X = _planted(seed=12)
    m = tm.TopicNMF(3, n_restarts=1, random_state=0).fit(X)
    for value in vars(m).values():
        assert not type(value).__module__.startswith(("aesara", "pytensor"))
    m2 = pickle.loads(pickle.dumps(m))
    np.testing.assert_array_equal(m2.transform(X), m.transform(X))


def test_sklearn_check_estimator():
    from sklearn.utils.estimator_checks import check_estimator

    # The one check scikit-learn skips here, check_array_api_input, needs SCIPY_ARRAY_API set;
    # TopicNMF takes NumPy and SciPy input only (the C kernels), so there is no array-API path.
    check_estimator(tm.TopicNMF(n_topics=2, n_restarts=2, max_iter=50, random_state=0))


def test_max_iter_is_a_hard_limit_with_racing():
    X = _planted(seed=13)
    m = tm.TopicNMF(3, n_restarts=5, max_iter=1, random_state=0).fit(X)
    assert m.restart_n_iter_.max() == 1


def test_n_components_alias_and_sklearn_output_api():
    X = _planted(seed=14)
    m = tm.TopicNMF(n_components=3, n_restarts=1, random_state=0).fit(X)
    assert m.components_.shape == (3, 50) and m.n_components_ == 3
    assert list(m.get_feature_names_out()) == ["topicnmf0", "topicnmf1", "topicnmf2"]
    m.set_output(transform="pandas")
    frame = m.transform(X)
    assert list(frame.columns) == ["topicnmf0", "topicnmf1", "topicnmf2"] and frame.shape == (60, 3)
    # score is minus the objective: a better model (more topics) scores higher on its data
    m.set_output(transform="default")
    worse = tm.TopicNMF(1, n_restarts=1, random_state=0).fit(X)
    assert m.score(X) > worse.score(X) and m.score(X) < 0


def test_racing_plan_compares_challengers_at_equal_iterations():
    from topicmf.factorize._racing import RacePlan

    plan = RacePlan(max_iter=100)
    assert plan.challenger_budget(140, 8) == 10 and plan.challenger_budget(10, 8) == RACE_MIN_ITER == 3
    assert RacePlan(max_iter=3).challenger_budget(140, 8) == 3  # max_iter is a hard limit
    reference = [10.0 - 0.5 * i for i in range(20)]  # its loss after 10 iterations: 5.5
    assert plan.survivors([6.0, 5.0, np.nan, 5.4], reference, 10) == [1]  # ahead, best first
    assert plan.survivors([6.0, 7.0], reference, 10) == []  # nobody ahead of the reference
    many = [1.0] * 14
    assert plan.survivors(many, reference, 10) == [0, 1]  # one per seven
    assert plan.final_budget(140, 10) == 100


@pytest.mark.parametrize("kwargs, expected", [
    (dict(n_threads=3), 3),                                             # explicit wins
    (dict(n_threads=None, cpus=8, idle=8.0, environ={}), 8),             # idle machine: all CPUs
    (dict(n_threads=None, cpus=8, idle=8.0, environ={}, n_jobs=2), 4),   # shared among workers
    (dict(n_threads=None, cpus=2, idle=0.1, environ={}), 1),             # busy: one thread
    (dict(n_threads=None, cpus=8, idle=3.0, environ={}), 3),             # partly busy
    (dict(n_threads=None, cpus=8, idle=8.0, environ={"OMP_NUM_THREADS": "2"}), 2),
    (dict(n_threads=None, cpus=8, idle=8.0, environ={"OMP_NUM_THREADS": "junk"}), 8),
    (dict(n_threads=None, cpus=8, idle=8.0, environ={}, current_limit=1), 1),  # threadpoolctl in force
    (dict(n_threads=None, cpus=1, idle=None, environ={}), 1),
    (dict(n_threads=None, cpus=8, idle=8.0, environ={}, work=1e6), 1),   # small problem: one thread
    (dict(n_threads=None, cpus=8, idle=8.0, environ={}, work=1e8), 8),
    (dict(n_threads=2, cpus=8, idle=8.0, environ={}, work=1e6), 2),      # explicit still wins
])
def test_thread_choice(kwargs, expected):
    from topicmf.factorize._threads import choose_threads

    assert choose_threads(**kwargs) == expected


def test_thread_choice_respects_a_callers_threadpool_limit():
    from threadpoolctl import threadpool_limits

    from topicmf.factorize._threads import choose_threads

    X = _planted(seed=15)
    with threadpool_limits(limits=1, user_api="openmp"):
        assert choose_threads(None) == 1
        m = tm.TopicNMF(3, n_restarts=1, random_state=0).fit(X)
    assert m.n_threads_ == 1


# -- extrapolation between iterations (Ang and Gillis) --------------------------------------

def test_extrapolation_rule_grows_on_success_and_backs_off_on_failure():
    from topicmf.factorize._extrapolation import BETA0, GROWTH, SHRINK, Extrapolation, extrapolated

    ex = Extrapolation()
    assert not ex.extrapolate  # no previous iterate yet
    assert ex.judge(10.0) and ex.extrapolate and ex.beta == pytest.approx(min(1.0, GROWTH * BETA0))
    beta = ex.beta
    assert ex.judge(9.0) and ex.beta == pytest.approx(GROWTH * beta)
    beta = ex.beta
    assert not ex.judge(9.5)  # the objective rose: discard, shrink, cap at the beta that failed
    assert ex.beta == pytest.approx(beta / SHRINK) and ex.cap == pytest.approx(beta) and not ex.extrapolate
    assert ex.best == 9.0
    for _ in range(200):
        ex.judge(ex.best)
    assert ex.beta <= 1.0
    cur, prev = np.array([[1.0, 0.0]]), np.array([[0.5, 1.0]])
    np.testing.assert_array_equal(extrapolated(cur, prev, 0.5), [[1.25, 0.0]])  # projected onto >= 0


def test_extrapolated_run_leaves_an_iterate_and_never_raises_the_loss():
    from topicmf.factorize._init import nndsvd_init
    from topicmf.factorize._solver import get_solver

    X = tm.TextVectorizer(min_df=2).fit_transform(tm.load_corpus("newsroom"))
    W0, Ht0 = nndsvd_init(X, 6, np.random.default_rng(0))
    solver = get_solver("hals")
    solver.set_data(X, X.T.tocsr())
    solver.set_penalties(0.001, 0.0, 0.0, 0.001, 2)
    finals = {}
    try:
        for ex in (False, True):
            solver.set_factors(W0, Ht0)
            history: list[float] = []
            n_iter, converged, _, _ = solver.run(2000, 1e-4, history, extrapolate=ex)
            assert converged and len(history) == n_iter
            assert np.all(np.diff(history) <= 1e-12 * history[0])
            assert solver.loss() == pytest.approx(history[-1], rel=1e-10)  # the factors left are that iterate
            W, Ht = solver.get_factors()
            assert W.min() >= 0 and Ht.min() >= 0
            finals[ex] = history[-1]
    finally:
        solver.release()
    assert finals[True] <= finals[False] * (1 + 1e-6)


def test_extrapolation_changes_nothing_for_rules_with_momentum_of_their_own():
    X = _planted(seed=3)
    a = tm.TopicNMF(4, optimizer="apg", n_restarts=1, random_state=0, extrapolate=True).fit(X)
    b = tm.TopicNMF(4, optimizer="apg", n_restarts=1, random_state=0, extrapolate=False).fit(X)
    np.testing.assert_array_equal(a.components_, b.components_)


def test_idle_cpus_looks_again_when_busy_and_keeps_the_larger_count(monkeypatch):
    """A busy first sample (the caller's BLAS threads spinning after a NumPy call) is taken
    again a moment later; lasting load stays busy."""
    from topicmf.factorize import _threads

    monkeypatch.setattr(_threads.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(_threads.time, "sleep", lambda seconds: None)
    # (idle, total) jiffies: 0 % idle in the first sample, 100 % in the second
    stats = iter([(1000, 2000), (1000, 2100), (1000, 2100), (1100, 2200)])
    monkeypatch.setattr(_threads, "_cpu_times", lambda: next(stats))
    assert _threads.idle_cpus() == pytest.approx(2.0)
    stats = iter([(1000, 2000), (1000, 2100), (1000, 2100), (1010, 2200)])  # still busy
    assert _threads.idle_cpus() == pytest.approx(0.2)
    stats = iter([(1000, 2000), (1100, 2100)])  # idle at once: one sample only
    assert _threads.idle_cpus() == pytest.approx(2.0)


def test_float32_with_extrapolation_converges_like_float64():
    """In float32 the loss of a plain step can round above the best one; it must be kept,
    not discarded over and over until max_iter."""
    X = tm.TextVectorizer(min_df=2).fit_transform(tm.load_corpus("newsroom"))
    for dtype in ("float32", "float64"):
        m = tm.TopicNMF(6, random_state=0, dtype=dtype).fit(X)
        assert m.restart_converged_.all() or (m.restart_n_iter_[~m.restart_converged_] < m.max_iter).all()
        assert m.n_iter_ < 60, (dtype, m.restart_n_iter_)
        h = m.loss_history_
        assert np.all(np.diff(h) <= 1e-5 * h[0])  # no rise beyond float32 rounding


def test_settling_rule():
    from topicmf.factorize._settling import Settling

    rng = np.random.default_rng(0)
    Ht = rng.random((50, 4))
    rule = Settling(tol=1e-4, window=1, patience=1)
    assert not rule.settled(1, Ht)  # nothing to compare with yet
    assert not rule.settled(2, Ht + 0.5 * rng.random((50, 4)))  # topics still moving
    moved = Ht.copy()
    assert not rule.settled(3, moved)
    assert rule.settled(4, moved * 3.0)  # only the scale changed: directions settled
    Ht0 = moved.copy()
    Ht0[:, 2] = 0.0
    rule = Settling(tol=1e-4, window=2, patience=1)
    assert not rule.settled(2, Ht0) and not rule.settled(3, Ht0 * 2)  # checked every 2 iterations only
    assert rule.settled(4, Ht0 * 2)  # an empty topic that stays empty has settled
    Ht1 = Ht0.copy()
    Ht1[0, 2] = 1.0
    assert not rule.settled(6, Ht1)  # an empty topic that comes alive has not
    rule = Settling(tol=1e-4, window=1, patience=2)
    assert not rule.settled(1, Ht) and not rule.settled(2, Ht)  # calm once: not yet
    assert not rule.settled(3, moved + 0.5) and not rule.settled(4, moved + 0.5)  # a move resets the count
    assert rule.settled(5, moved + 0.5) and rule.done
    broken = moved.copy()
    broken[:, 1] = np.nan
    rule = Settling(tol=1e-4, window=1, patience=1)
    assert not rule.settled(1, broken) and not rule.settled(2, broken)  # never settled on NaN

def test_inner_sweeps_follow_the_cost_of_products_against_sweeps():
    """Two HALS sweeps per pair of sparse products when the products cost at least
    SWEEPS_COST_RATIO times a sweep, else one; an explicit value wins; the fit says which."""
    from topicmf.defaults import INNER_SWEEPS, SWEEPS_COST_RATIO
    from topicmf.factorize._executor import choose_inner_sweeps

    assert choose_inner_sweeps(None, int(SWEEPS_COST_RATIO * 300 * 5), 200, 100, 5) == INNER_SWEEPS
    assert choose_inner_sweeps(None, int(SWEEPS_COST_RATIO * 300 * 5) - 1, 200, 100, 5) == 1
    assert choose_inner_sweeps(3, 10, 200, 100, 5) == 3
    dense = _planted(n=60, m=50, r=4, seed=2)  # nnz / ((60 + 50) 2) is large: products dominate
    assert tm.TopicNMF(2, n_restarts=1, random_state=0).fit(dense).inner_sweeps_ == INNER_SWEEPS
    sparse_rows = sp.random(400, 300, density=0.01, random_state=0, format="csr")
    m = tm.TopicNMF(20, n_restarts=1, random_state=0).fit(sparse_rows)
    assert m.inner_sweeps_ == 1
    assert tm.TopicNMF(20, n_restarts=1, random_state=0, inner_sweeps=2).fit(sparse_rows).inner_sweeps_ == 2


def test_matching_rule():
    """A challenger stops once each of its topics matches one of the reference's (any order, any scale)."""
    from topicmf.factorize._settling import Settling, reference_directions

    rng = np.random.default_rng(1)
    ref_Ht = rng.random((40, 5))
    reference = reference_directions(ref_Ht)
    assert reference is not None and np.allclose(np.linalg.norm(reference, axis=0), 1.0)
    rule = Settling(settle=False, reference=reference, match_tol=1e-3)
    far = rng.random((40, 5))
    assert not rule.settled(1, far) and not rule.done and rule.last_match > 1e-3
    near = ref_Ht[:, [3, 0, 4, 1, 2]] * np.array([2.0, 0.5, 1.0, 7.0, 3.0])
    near[0, 0] += 1e-3  # a little off, well within the tolerance
    assert rule.settled(2, near) and rule.done and rule.matched
    one_off = ref_Ht.copy()
    one_off[:, 2] = far[:, 2]  # four topics match, one does not
    assert not Settling(settle=False, reference=reference).settled(1, one_off)
    broken = ref_Ht.copy()
    broken[0, 1] = np.nan
    assert not Settling(settle=False, reference=reference).settled(1, broken)
    assert not Settling(settle=False, reference=reference).settled(1, ref_Ht[:, :4])  # other k: never
    assert reference_directions(broken) is None and reference_directions(None) is None
    assert not Settling(settle=False).settled(1, ref_Ht)  # neither rule: runs on


def test_best_restart_stands_the_reference_in_for_a_matched_challenger():
    from topicmf.factorize._restarts import _Keeper, best_restart, make_starts
    from topicmf.factorize._solver import RestartResult

    def result(loss, **flags):
        return RestartResult(np.ones((3, 2)), np.ones((4, 2)), loss, 10, **{"converged": False, "diverged": False,
                                                                              **flags})

    ref, matched, other = result(5.0, converged=True), result(4.9, matched=True), result(6.0, converged=True)
    results = [ref, matched, other]
    losses = np.array([r.loss for r in results])
    assert best_restart(results, losses) == 0  # the matched one is the reference's optimum, not yet converged
    assert best_restart([ref, other, result(4.0, converged=True)], np.array([5.0, 6.0, 4.0])) == 2
    lower = result(4.95, converged=True)  # another optimum, below the reference and above the matched one
    assert best_restart([ref, matched, lower], np.array([5.0, 4.9, 4.95])) == 2
    keeper = _Keeper(make_starts(2, 3, "nndsvd", 0, "float64"))
    keeper.states[:] = results
    for i in (0, 1, 2):
        keeper.close(i)
    assert keeper.states[0].W is not None  # the reference's W is kept for the fit
    assert keeper.states[1].W is None and keeper.states[2].W is None
    # a matched challenger is never a survivor, however far ahead of the reference it is
    from topicmf.factorize._racing import RacePlan
    from topicmf.factorize._restarts import _ranked

    ref.loss_history = [10.0, 9.0, 8.0, 5.0]
    states = [ref, result(1.0, matched=True), result(2.0)]
    assert _ranked(RacePlan(max_iter=100, survivor_every=1), states, [1, 2], 3) == [2]


def test_best_restart_keeps_its_factors_when_a_matched_challenger_is_lowest():
    """race="topics" with a loose tol: a challenger matched the reference with the lowest loss while
    another one ended below the reference; the fit keeps the latter's factors (once an
    AssertionError: the keeper had dropped the reference's W)."""
    rng = np.random.default_rng(5334)
    W = rng.random((200, 6)) * (rng.random((200, 6)) < 0.4)
    H = rng.random((6, 150)) * (rng.random((6, 150)) < 0.3)
    X = sp.csr_matrix(W @ H + 0.5 * sp.random(200, 150, density=0.08, random_state=5334))
    for n_jobs in (1, 2):
        m = tm.TopicNMF(8, n_restarts=8, random_state=5334, race="topics", tol=1e-3, max_iter=500,
                        n_jobs=n_jobs).fit(X)
        assert m.components_.shape == (8, 150) and np.isfinite(m.components_).all()
        assert m.restart_losses_[m.best_restart_] <= m.restart_losses_[0]


def _planted_noisy():
    rng = np.random.default_rng(0)
    W = rng.random((300, 5)) * (rng.random((300, 5)) < 0.4)
    H = rng.random((5, 200)) * (rng.random((5, 200)) < 0.3)
    return sp.csr_matrix(W @ H + 0.3 * sp.random(300, 200, density=0.05, random_state=0))


def test_no_matching_against_a_diverged_or_unconverged_reference(monkeypatch):
    """Only a converged reference stands for an optimum: with restart 0 diverged (found by review:
    an AssertionError) or cut at max_iter, no challenger is matched to it."""
    import topicmf.factorize._restarts as restarts
    from topicmf.factorize import _solver

    X = _planted_noisy()
    seen: list = []
    real_run = restarts.run_restarts

    def spy(*args, **kwargs):
        seen[:] = real_run(*args, **kwargs)
        return seen

    monkeypatch.setattr("topicmf.factorize.estimator.run_restarts", spy)
    short = tm.TopicNMF(5, n_restarts=4, random_state=0, race="topics", max_iter=6).fit(X)
    assert not short.restart_converged_[0] and not any(r.matched for r in seen)
    real_step = _solver.Solver.step
    calls = {"n": 0}

    def step(self):
        calls["n"] += 1
        loss, ok, violation = real_step(self)
        return (float("nan"), ok, violation) if calls["n"] == 8 else (loss, ok, violation)  # restart 0 blows up

    monkeypatch.setattr(_solver.Solver, "step", step)
    with pytest.warns(RuntimeWarning, match="restart 0 diverged"):
        m = tm.TopicNMF(5, n_restarts=3, random_state=0, race="topics", max_iter=1000).fit(X)
    assert np.isinf(m.restart_losses_[0]) and m.best_restart_ != 0 and np.isfinite(m.components_).all()
    assert not any(r.matched for r in seen)


def test_challengers_stop_once_their_topics_match_the_reference(monkeypatch):
    """Restarts that reach restart 0's optimum stop once their topics match it (MATCH_TOL): fewer
    iterations, the reference's factors, the same result in worker processes."""
    from scipy.optimize import linear_sum_assignment

    from topicmf.metrics import cosine_rows

    X = _planted_noisy()
    kw = dict(n_restarts=4, random_state=0, max_iter=1000)
    full = tm.TopicNMF(5, race=False, **kw).fit(X)
    ref = full.restart_components_[0]
    for Hr in full.restart_components_[1:]:  # the premise: every restart ends at restart 0's optimum
        C = cosine_rows(Hr, ref)
        rows, cols = linear_sum_assignment(C, maximize=True)
        assert C[rows, cols].min() > 1 - 1e-6
    fast = tm.TopicNMF(5, race="topics", **kw).fit(X)  # challengers would run until their topics settle
    assert fast.restart_n_iter_[0] == full.restart_n_iter_[0]
    assert np.all(fast.restart_n_iter_[1:] < full.restart_n_iter_[1:]), fast.restart_n_iter_
    assert fast.restart_converged_.all()  # matching counts as meeting the stopping rule
    assert fast.best_restart_ == 0  # although a challenger may end a hair lower at the same optimum
    np.testing.assert_array_equal(fast.components_, ref)
    assert fast.restart_losses_.min() >= full.restart_losses_.min()
    again = tm.TopicNMF(5, race="topics", n_jobs=2, **kw).fit(X)
    np.testing.assert_array_equal(again.restart_n_iter_, fast.restart_n_iter_)
    import topicmf.factorize._restarts as restarts

    monkeypatch.setattr(restarts, "reference_directions", lambda Ht: None)  # settling alone
    settling_only = tm.TopicNMF(5, race="topics", **kw).fit(X)
    assert np.all(fast.restart_n_iter_[1:] < settling_only.restart_n_iter_[1:]), settling_only.restart_n_iter_


def test_race_topics_stops_challengers_when_their_topics_settle():
    """race="topics" (what discover runs): the reference converges, challengers stop once their
    topics stop changing, well before the loss tolerance, with nearly the same topics."""
    from topicmf.metrics import cosine_rows

    X = tm.TextVectorizer(min_df=2).fit_transform(tm.load_corpus("newsroom"))
    kw = dict(n_restarts=4, random_state=0, init="nndsvd", sparsity=0.1, max_iter=500)
    full = tm.TopicNMF(6, race=False, **kw).fit(X)
    fast = tm.TopicNMF(6, race="topics", **kw).fit(X)
    assert fast.restart_converged_.all()
    assert fast.restart_n_iter_[0] == full.restart_n_iter_[0]  # the reference is not cut
    assert fast.restart_n_iter_.sum() < 0.8 * full.restart_n_iter_.sum()
    assert fast.restart_losses_.min() <= full.restart_losses_.min() * (1 + 1e-3)
    ref = full.restart_components_[0]
    for settled, converged in zip(fast.restart_components_[1:], full.restart_components_[1:]):
        # what topic stability reads: cosines between the restart's topics and the reference's
        np.testing.assert_allclose(cosine_rows(ref, settled), cosine_rows(ref, converged), atol=0.05)
    again = tm.TopicNMF(6, race="topics", n_jobs=2, **kw).fit(X)
    np.testing.assert_array_equal(again.components_, fast.components_)
    np.testing.assert_array_equal(again.restart_n_iter_, fast.restart_n_iter_)
    with pytest.raises(ValueError, match="'race' must be True, False or 'topics'"):
        tm.TopicNMF(6, race="fast").fit(X)


def test_sparsity_calibration_and_restart_0_share_one_nndsvd(monkeypatch):
    """The L1 calibration reads restart 0's NNDSVD start, made once (a randomized SVD of X is
    the costliest part of a start on a large corpus)."""
    import topicmf.factorize._restarts as restarts
    from topicmf.factorize._init import calibrated_l1, nndsvd_init

    X = tm.TextVectorizer(min_df=2).fit_transform(tm.load_corpus("newsroom"))
    calls = []

    def counted(*args, **kwargs):
        calls.append(1)
        return nndsvd_init(*args, **kwargs)

    monkeypatch.setattr(restarts, "nndsvd_init", counted)
    m = tm.TopicNMF(6, n_restarts=3, sparsity=0.1, random_state=0).fit(X)
    assert len(calls) == 1
    start0 = restarts.make_starts(6, 3, "nndsvd", 0, "float64")[0]
    assert m.l1_W_ == calibrated_l1(X, 6, 0.1, start0.realize(X))[0] > 0
    calls.clear()
    tm.TopicNMF(6, n_restarts=3, sparsity=0.1, random_state=0, dtype="float32").fit(X)
    assert len(calls) == 2  # restart 0 starts in float32; the calibration reads a float64 one
