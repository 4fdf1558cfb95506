"""The notebooks' self-checks: a right answer passes, a wrong one gets a hint without the answer.

One block per notebook (each helper adds its own; keep them separate).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from nelc_edu import checks


# ======================================================================================
# notebook 07: why cycles emerge (exercises 7.1-7.3)
# ======================================================================================
@pytest.fixture(scope="module")
def nb07_data():
    from nelc_edu.datasets.toy import PROTOTYPES_3X3, noisy_prototypes

    return noisy_prototypes(PROTOTYPES_3X3[:3], 60, flip_prob=0.1, seed=0)[0]


@pytest.fixture(scope="module")
def nb07_rbm():
    from nelc_edu.models import OneHotRBM

    return OneHotRBM.random(3, 9, scale=2.0, seed=3)


class TestNotebook07:
    """Exercises of notebook 07, checked against independent computations."""

    @staticmethod
    def _overlap_by_hand(rbm):
        """(1/P(z)) sum_x P(x) q(z|x)^2 with explicit loops: P(x, z) from the energy."""
        K, N = rbm.W.shape
        weights = np.zeros((2 ** N, K))
        for m, bits in enumerate(itertools.product((0, 1), repeat=N)):
            x = np.array(bits, dtype=float)
            weights[m] = np.exp(rbm.W @ x + rbm.c + rbm.b @ x)       # e^{-E(x, z)}
        P_xz = weights / weights.sum()
        P_x, P_z = P_xz.sum(axis=1), P_xz.sum(axis=0)
        q = P_xz / P_x[:, None]
        return (P_x[:, None] * q ** 2).sum(axis=0) / P_z

    def test_7_1_accepts_the_self_overlap(self, nb07_rbm, capsys):
        rbm = nb07_rbm
        assert checks.check("7.1", (rbm, self._overlap_by_hand(rbm)))
        assert "Right" in capsys.readouterr().out

    @pytest.mark.parametrize("mistake, word", [
        ("unnormalised", "divide"),
        ("not squared", "square"),
        ("unweighted", "weight each image"),
        ("noise", "sum over all"),
    ])
    def test_7_1_refuses_wrong_overlaps_with_a_hint(self, nb07_rbm, capsys, mistake, word):
        rbm = nb07_rbm
        right = self._overlap_by_hand(rbm)
        P_z = rbm.latent_marginal()
        from nelc_edu.models import all_binary_states

        q = np.exp(rbm.log_encoder(all_binary_states(rbm.N)))
        wrong = {"unnormalised": right * P_z, "not squared": P_z,
                 "unweighted": (q ** 2).mean(axis=0) / P_z, "noise": right + 0.01}[mistake]
        assert not checks.check("7.1", (rbm, wrong))
        out = capsys.readouterr().out
        assert word in out
        for value in right:                                  # the hint never holds the answer
            assert f"{value:.2f}" not in out and f"{value:.3f}" not in out

    def test_7_1_refuses_malformed_answers(self, nb07_rbm, capsys):
        rbm = nb07_rbm
        from nelc_edu.models import TwoMatrixModel

        assert not checks.check("7.1", self._overlap_by_hand(rbm))       # no model
        assert not checks.check("7.1", (rbm, [0.5, 0.5]))                # wrong shape
        assert not checks.check("7.1", (TwoMatrixModel.random(3, 9, seed=0), [0, 0, 0]))
        out = capsys.readouterr().out
        assert "pair" in out and "shape (3,)" in out and "one-hot RBM" in out

    @staticmethod
    def _four_cycles():
        """Permutations of 4 states that form one 4-cycle: by following the orbit of 0."""
        out = []
        for perm in itertools.permutations(range(4)):
            k, orbit = 0, set()
            while k not in orbit:
                orbit.add(k)
                k = perm[k]
            if len(orbit) == 4:
                out.append(perm)
        return out

    def test_7_2_accepts_the_four_cycles(self, capsys):
        answer = self._four_cycles()
        assert len(answer) == 6
        assert checks.check("7.2", answer)
        assert "Right" in capsys.readouterr().out

    def test_7_2_hints_without_the_answer(self, capsys):
        cycles = self._four_cycles()
        swaps = [(1, 0, 3, 2), (2, 3, 0, 1), (3, 2, 1, 0)]
        assert not checks.check("7.2", cycles + swaps)        # double swaps are reversible
        assert not checks.check("7.2", cycles[:3])            # some missing
        assert not checks.check("7.2", cycles + [(0, 2, 3, 1)])  # a fixed point
        assert not checks.check("7.2", [(0, 0, 1, 2)])        # not a permutation
        assert not checks.check("7.2", 5)                     # not a list
        out = capsys.readouterr().out
        assert "reversible" in out and "missing" in out and "in place" in out
        assert "every state" in out and "list of tuples" in out
        for perm in cycles:
            assert str(perm) not in out

    def test_7_3_accepts_a_noisy_run_and_refuses_a_full_batch_one(self, nb07_data, capsys):
        data = nb07_data
        from nelc_edu.exact_training import trace_parameters
        from nelc_edu.models import TwoMatrixModel

        def plain_ascent(batch):
            model = TwoMatrixModel.random(3, 9, seed=1)
            rng = np.random.default_rng(0)
            path = [{k: v.copy() for k, v in model.params().items()}]
            for _ in range(checks.notebook_07.MIN_UPDATES):
                rows = rng.choice(len(data), batch, replace=False)
                g = model.gradient(data[rows], method="exact")
                for name, value in model.params().items():
                    value += 2.0 * g[name]
                path.append({k: v.copy() for k, v in model.params().items()})
            return trace_parameters(model, data, path)

        noisy = plain_ascent(20)
        assert noisy.sigma[-1] > 0.3                       # independent of the checker
        assert checks.check("7.3", noisy)
        full = plain_ascent(len(data))
        assert full.sigma[-1] < 0.05
        assert not checks.check("7.3", full)
        assert not checks.check("7.3", "a trace")
        out = capsys.readouterr().out
        assert "Right" in out and "fresh random minibatch" in out and "trace_parameters" in out
