"""Property-based and closed-form tests of fden_nb.info / mi / tc (issue 3). Tolerances are stated per test."""
import math

import pytest
import torch
from hypothesis import given, settings, strategies as st

from fden_nb.info import (ConcatCritic, ESTIMATORS, InfoNCE, MovingAverageDV, critic_bound, dv_bound, fit_critic,
                          heldout_estimate, infonce_bound, make_estimator, nwj_bound, smile_bound)
from fden_nb.mi import correlated_gaussians, discrete_mi, gaussian_mi, rho_for_mi
from fden_nb.tc import block_gaussian_cov, block_gaussian_tc, gaussian_tc

scores = st.lists(st.floats(-30, 30, allow_nan=False), min_size=2, max_size=40).map(torch.tensor)


@settings(max_examples=50, deadline=None)
@given(scores, scores)
def test_bounds_scalar_finite(tj, tm):
    for f in (dv_bound, nwj_bound, smile_bound):
        v = f(tj, tm)
        assert v.shape == () and torch.isfinite(v)
    assert smile_bound(tj, tm) <= tj.mean() + 5 + 1e-4          # clipping caps the partition term at e^-τ


@settings(max_examples=30, deadline=None)
@given(st.integers(2, 12), st.floats(-20, 20))
def test_infonce_ceiling_and_shift(B, c):
    S = torch.randn(B, B) * 5
    v = infonce_bound(S)
    assert v <= math.log(B) + 1e-5                                  # never above log B
    torch.testing.assert_close(infonce_bound(S + c), v, atol=1e-4, rtol=0)   # shift invariant
    torch.testing.assert_close(dv_bound(S.diagonal() + c, S[0] + c), dv_bound(S.diagonal(), S[0]), atol=1e-4, rtol=0)


@settings(max_examples=20, deadline=None)
@given(st.integers(2, 9), st.integers(1, 3), st.integers(1, 3), st.sampled_from(sorted(ESTIMATORS)))
def test_critic_bound_shapes(B, da, db, name):
    c = ConcatCritic((da, db), hidden=(8,), dropout=0.0, batchnorm=False, init_std=None)
    v = c.bound([torch.randn(B, da), torch.randn(B, db)], estimator=name)
    assert v.shape == () and torch.isfinite(v)
    v.backward()
    assert all(torch.isfinite(p.grad).all() for p in c.parameters())


@pytest.mark.parametrize("bad, msg", [
    (lambda c: c.bound([torch.randn(8, 2), torch.randn(7, 2)]), "share the batch size"),
    (lambda c: c.bound([torch.randn(1, 2), torch.randn(1, 2)]), "batch of 1"),
    (lambda c: critic_bound(lambda *f: torch.randn(16, 3), [torch.randn(8, 2)] * 2), "one score per sample"),
    (lambda c: critic_bound(lambda *f: torch.full((16,), float("nan")), [torch.randn(8, 2)] * 2), "non-finite"),
    (lambda c: dv_bound(torch.randn(4), torch.tensor([1.0, float("inf")])), "non-finite"),
    (lambda c: infonce_bound(torch.randn(3, 4)), "square"),
    (lambda c: make_estimator("mine"), "unknown estimator"),
])
def test_bad_input(bad, msg):
    c = ConcatCritic((2, 2), hidden=(8,), dropout=0.0, batchnorm=False, init_std=None)
    with pytest.raises((ValueError, TypeError), match=msg): bad(c)


def test_ema_state_round_trip():
    c = ConcatCritic((2, 2), hidden=(8,), dropout=0.0, batchnorm=False, init_std=None)
    c.bound([torch.randn(8, 2), torch.randn(8, 2)], estimator="ema")
    assert c.estimators["ema"].log_ema.shape == (1,)
    c2 = ConcatCritic((2, 2), hidden=(8,), dropout=0.0, batchnorm=False, init_std=None)
    c2.load_state_dict(c.state_dict())
    torch.testing.assert_close(c2.estimators["ema"].log_ema, c.estimators["ema"].log_ema)


def test_closed_forms():
    for mi in (2, 4, 6, 8, 10): assert abs(gaussian_mi(rho_for_mi(mi, 20), 20) - mi) < 1e-9
    assert abs(block_gaussian_tc(2, 20, 0.6) - gaussian_mi(0.6, 20)) < 1e-9
    assert abs(gaussian_tc(block_gaussian_cov(3, 4, 0.3), [4, 4, 4]) - block_gaussian_tc(3, 4, 0.3)) < 1e-9
    p = torch.tensor([[0.3, 0.1], [0.1, 0.5]], dtype=torch.float64)
    assert abs(discrete_mi(p) - discrete_mi(p.T)) < 1e-12


def _trained(rho, transform=lambda y: y, d=1, steps=400, estimator="smile", seed=0):
    torch.manual_seed(seed); g = torch.Generator().manual_seed(seed)
    sample = lambda n: (lambda x, y: [x, transform(y)])(*correlated_gaussians(n, d, rho, g))
    c = ConcatCritic((d, d), hidden=(64, 64), dropout=0.0, batchnorm=False, init_std=None)
    fit_critic(c, sample, steps, estimator, 256, lr=2e-3, generator=g)
    return heldout_estimate(c, sample(20_000), estimator, generator=g)


@pytest.mark.parametrize("estimator", ["dv", "ema", "nwj", "smile"])
def test_estimators_match_truth_at_low_mi(estimator):
    # 1-d pair at ρ = 0.8 (0.51 nats): every estimator within 0.15 nats of the truth after 400 steps
    assert abs(_trained(0.8, estimator=estimator) - gaussian_mi(0.8)) < 0.15


def test_invariance_under_cube():
    # I(x; y) = I(x; y³): the critic's estimates agree within 0.15 nats
    assert abs(_trained(0.8, lambda y: y ** 3) - _trained(0.8)) < 0.15


def test_independent_is_zero():
    # an independent pair: |estimate| ≤ 0.05 nats
    assert abs(_trained(0.0, estimator="smile")) <= 0.05
    assert abs(_trained(0.0, estimator="dv")) <= 0.05


def test_infonce_near_truth_below_ceiling():
    # 1 nat < log 64: InfoNCE on all pairs of a batch of 64 within 0.2 nats of min(I, log 64)
    torch.manual_seed(0); g = torch.Generator().manual_seed(0)
    rho = rho_for_mi(1.0, 2)
    c = ConcatCritic((2, 2), hidden=(64, 64), dropout=0.0, batchnorm=False, init_std=None)
    fit_critic(c, lambda n: correlated_gaussians(n, 2, rho, g), 400, "infonce", 64, lr=2e-3, generator=g)
    v = heldout_estimate(c, correlated_gaussians(6400, 2, rho, g), "infonce", batch=64, generator=g)
    assert abs(v - min(1.0, math.log(64))) < 0.2
