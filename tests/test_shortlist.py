"""The list-level objective: a monotone submodular coverage value, the greedy list under caps, by hand and by
brute force."""

import itertools

import numpy as np
import pytest

from steps_core.shortlist import auto_max_per_skill, list_value, shortlist

# 3 skills (leaves 0..2) under two communities (3 = {0, 1}, 4 = {2}); h per node
H = np.array([0.3, 0.2, 0.4, 0.5, 0.1])


def random_candidates(rng, n_cands=8, n_nodes=H.size):
    return [np.unique(rng.choice(n_nodes, rng.integers(1, 4), replace=False)) for _ in range(n_cands)]


def test_value_by_hand():
    # the same combination twice at diversity 0.5: leaf 0 counts 1 + 0.5, community 3 counts 1 + 0.75
    nodes = [np.array([0, 3]), np.array([0, 3])]
    assert list_value(nodes, H, n_skills=3, diversity=0.5) == pytest.approx(0.3 * 1.5 + 0.5 * 1.75)
    assert list_value(nodes, H, n_skills=3, diversity=0.0) == pytest.approx(2 * 0.8)     # the plain sum of gains
    assert list_value(nodes, H, n_skills=3, diversity=1.0) == pytest.approx(0.3 + 0.5 * 1.5)
    assert list_value(nodes[:1], H, n_skills=3, diversity=0.7) == pytest.approx(0.8)    # one: its gain


@pytest.mark.parametrize("diversity", [0.0, 0.3, 0.5, 1.0])
def test_diminishing_returns_property(diversity):
    """F(A + c) - F(A) >= F(B + c) - F(B) for A inside B (submodular), and F never falls (monotone)."""
    rng = np.random.default_rng(int(diversity * 10))
    for _ in range(200):
        cands = random_candidates(rng)
        b = [c for c in cands[:-1] if rng.random() < 0.6]
        a = [c for c in b if rng.random() < 0.5]
        c = cands[-1]
        f = lambda xs: list_value(xs, H, n_skills=3, diversity=diversity)    # noqa: E731
        assert f(a + [c]) - f(a) >= f(b + [c]) - f(b) - 1e-12
        assert f(b + [c]) >= f(b) - 1e-12


def test_greedy_picks_the_best_marginal_each_time():
    rng = np.random.default_rng(3)
    for _ in range(50):
        cands = random_candidates(rng, 10)
        gains = [float(H[c].sum()) for c in cands]
        skills = [tuple(int(x) for x in c if x < 3) for c in cands]
        out = shortlist(cands, skills, list(range(10)), gains, H, n_skills=3, n=5, diversity=0.5)
        chosen: list = []
        for i, v in out:
            f0 = list_value([cands[j] for j in chosen], H, n_skills=3, diversity=0.5)
            margins = [list_value([cands[j] for j in chosen + [x]], H, n_skills=3, diversity=0.5) - f0
                       for x in range(10) if x not in chosen]
            assert v == pytest.approx(max(margins))                 # the reported value is the marginal gain
            assert v == pytest.approx(list_value([cands[j] for j in chosen + [i]], H, n_skills=3,
                                                 diversity=0.5) - f0)
            chosen.append(i)


def test_diversity_zero_is_the_ranking_by_gain():
    rng = np.random.default_rng(4)
    cands = random_candidates(rng, 12)
    gains = [float(H[c].sum()) for c in cands]
    out = shortlist(cands, [()] * 12, list(range(12)), gains, H, n_skills=3, diversity=0.0)
    assert [i for i, _ in out] == sorted(range(12), key=lambda i: (-gains[i], i))


def test_caps_are_respected_and_near_copies_wait():
    # five candidates hold skill 0 with the best gains; two hold only skill 2
    nodes = [np.array([0, 3])] * 5 + [np.array([2, 4]), np.array([2])]
    skills = [(0,)] * 5 + [(2,), (2,)]
    gains = [0.8] * 5 + [0.5, 0.4]
    out = shortlist(nodes, skills, list(range(7)), gains, H, n_skills=3, diversity=0.0, max_per_skill=2)
    picked = [i for i, _ in out]
    assert sum(i < 5 for i in picked) == 2 and set(picked) >= {5, 6}
    # no cap, but diversity: the second copy of skill 0 is worth 0.3*0.5 + 0.5*0.75 = 0.525 > 0.5
    out = shortlist(nodes, skills, list(range(7)), gains, H, n_skills=3, diversity=0.5, n=3)
    assert [i for i, _ in out][:2] == [0, 1] and out[1][1] == pytest.approx(0.525)
    # a start may place at most per_start combinations
    out = shortlist(nodes, skills, ["s"] * 5 + ["t", "u"], gains, H, n_skills=3, diversity=0.0, per_start=1)
    assert [i for i, _ in out] == [0, 5, 6]


def test_brute_force_small_lists():
    """Greedy is within (1 - 1/e) of the best list of the same length (here usually equal)."""
    rng = np.random.default_rng(5)
    for _ in range(30):
        cands = random_candidates(rng, 7)
        gains = [float(H[c].sum()) for c in cands]
        got = shortlist(cands, [()] * 7, list(range(7)), gains, H, n_skills=3, n=3, diversity=0.6)
        greedy = list_value([cands[i] for i, _ in got], H, n_skills=3, diversity=0.6)
        best = max(list_value([cands[i] for i in s], H, n_skills=3, diversity=0.6)
                   for s in itertools.combinations(range(7), 3))
        assert greedy >= (1 - 1 / np.e) * best - 1e-12


def test_auto_cap():
    assert auto_max_per_skill(30) == 3 and auto_max_per_skill(5) == 2 and auto_max_per_skill(101) == 11
