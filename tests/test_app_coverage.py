"""Coverage on the Taxonomy page: the tree recoloured by accepted samples per community, samples per skill in
the skill table, the emptiest communities, and "fill this gap" approving combinations inside a community that
the Synthesize page then makes. Counts are checked by brute force over the samples and the communities' skills."""

from __future__ import annotations

from app_helpers import (add_template_samples, assert_ok, button, figures, new_app,
                         open_ws, picker, reference_tree, select_rows, table_key)
from steps_core.corpus import iter_skill_lists
from steps_core.coverage import gap_combinations
from steps_core.novelty import SupportIndex


def index(env) -> SupportIndex:
    return SupportIndex.from_skill_lists(iter_skill_lists(env.files["corpus"]))


def brute_coverage(tree, accepted: list[list[str]]) -> dict[str, int]:
    """Per figure id: samples with at least one skill in the community (or equal to the skill)."""
    out = {"root": len(accepted)}
    for c in tree.communities:
        inside = {tree.skills[i] for i in tree.members(c)}
        out[tree.ids[c]] = sum(1 for skills in accepted if inside & set(skills))
    for i, name in enumerate(tree.skills):
        out[f"skill:{i}"] = sum(1 for skills in accepted if name in skills)
    return out


def accepted_samples(env, tree):
    """Accepted template samples for a few combinations inside communities 1 and 3 only (2 and 4 stay empty)."""
    inside = [tree.skills[i] for i in tree.members(tree.node_of("1"))]
    other = [tree.skills[i] for i in tree.members(tree.node_of("3"))]
    combos = [{"skills": list(c)} for c in (inside[:3], inside[1:4], inside[2:4], [other[0], inside[0]])]
    samples = add_template_samples(env, combos, accept=3)
    return [s["skills"] for s in samples if s["accepted"]]


def test_tree_recoloured_by_coverage_and_samples_per_skill(app_env):
    tree = reference_tree(app_env.files["corpus"])
    accepted = accepted_samples(app_env, tree)
    want = brute_coverage(tree, accepted)
    at = new_app("taxonomy")
    at.radio(key="ws:cfg:tax.colour").set_value("coverage").run()
    assert_ok(at)
    trace = figures(at)[0]["data"][0]
    colours = dict(zip(trace["ids"], trace["marker"]["colors"]))
    assert colours == {k: float(want[k]) for k in colours} and len(colours) > len(tree.children[tree.root])
    assert trace["marker"]["cmax"] == max(v for k, v in want.items() if k != "root")   # the root is left out
    assert colours["root"] == 3 and colours["2"] == colours["4"] == 0
    at.radio(key="tax_view").set_value("skills").run()
    table = at.dataframe[-1].value
    assert dict(zip(table["skill"], table["samples"])) == {
        name: want[f"skill:{i}"] for i, name in enumerate(tree.skills)}
    fresh = new_app("taxonomy")                                       # the colour choice is kept
    assert fresh.radio(key="ws:cfg:tax.colour").value == "coverage"


def test_fill_a_gap_approves_combinations_inside_it(app_env):
    from app_helpers import write_demo

    write_demo(app_env.tmp / "demo", rings=True)     # data where communities hold new sets that hang together
    tree = reference_tree(app_env.files["corpus"])
    accepted = accepted_samples(app_env, tree)
    at = new_app("taxonomy")
    at.radio(key="tax_view").set_value("gaps").run()
    assert_ok(at)
    gaps = at.dataframe[-1].value
    counts = brute_coverage(tree, accepted)
    order = sorted(tree.communities, key=lambda c: (counts[tree.ids[c]], -tree.n_members(c), tree.ids[c]))
    assert list(gaps["community"]) == [tree.ids[c] for c in order][:len(gaps)]
    assert list(gaps["samples"]) == [counts[i] for i in gaps["community"]]
    assert gaps["samples"].iloc[0] == 0

    select_rows(at, "gap_table", 0)                                   # the emptiest community
    community = gaps["community"].iloc[0]
    at.number_input(key="gap_k").set_value(2).run()
    assert_ok(at)
    want = gap_combinations(tree, community, k=2, top=10, index=index(app_env))
    inside = {tree.skills[i] for i in tree.members(tree.node_of(community))}
    assert want and all(set(c.skills) <= inside and len(c.skills) == 2 for c in want)   # LCA inside it
    assert len({frozenset(c.skills) for c in want}) == len(want) <= 10
    shown = next(d.value for d in at.dataframe if "gain (bits)" in d.value.columns)
    assert [tuple(s.split(" + ")) for s in shown["skills"]] == [c.skills for c in want]

    # "…or any community" picks another one; the table's older row no longer wins
    other = next(tree.ids[c] for c in tree.children[tree.root] if c > tree.n_skills and tree.ids[c] != community
                 and gap_combinations(tree, tree.ids[c], k=2, top=10, index=index(app_env)))
    picker(at, "gap_pick").set_value(other).run()
    assert any(str(m.value).startswith(f"**Fill community {other}**") for m in at.markdown)
    button(at, "Approve all").click().run()
    assert_ok(at)
    want = gap_combinations(tree, other, k=2, top=10, index=index(app_env))
    with open_ws(app_env.ws) as ws:
        approved = ws.combo_marks()["approved"]
    assert [tuple(e["info"]["skills"]) for e in approved] == [c.skills for c in want]
    assert all(e["info"]["lca"].split(".")[0] == other and e["info"]["tree_version"] == tree.version
               and e["info"]["lca_path"] for e in approved)
    marks = next(d.value for d in at.dataframe if "mark" in d.value.columns)["mark"]
    assert list(marks) == ["approved"] * len(want)
    synth = new_app("synthesize")                                     # ready to be synthesised
    assert synth.button(key="synth_go").label == f"Generate {len(want)} sample(s)"


def test_a_community_too_small_for_k_is_a_message(app_env):
    tree = reference_tree(app_env.files["corpus"])
    small = next(tree.ids[c] for c in tree.communities if tree.n_members(c) == 3)
    at = new_app("taxonomy")
    at.radio(key="tax_view").set_value("gaps").run()
    picker(at, "gap_pick").set_value(small).run()
    at.number_input(key="gap_k").set_value(4).run()
    assert_ok(at)
    assert any("Cannot propose" in str(e.value) and "fewer than k=4" in str(e.value) for e in at.error)
    assert "View" in [r.label for r in at.radio]                      # the rest of the page is drawn


def test_a_proposal_selection_does_not_survive_new_proposals(app_env):
    """Rows picked among the proposals, then k changes: "Approve selected" approves nothing of the new list."""
    from app_helpers import write_demo

    write_demo(app_env.tmp / "demo", rings=True)     # data where communities hold new sets that hang together
    at = new_app("taxonomy")
    at.radio(key="tax_view").set_value("gaps").run()
    picker(at, "gap_pick").set_value("1").run()
    at.number_input(key="gap_k").set_value(2).run()
    select_rows(at, table_key(at, "gap_props"), 0, 1)
    assert button(at, "Approve selected").label == "Approve selected (2)"
    at.number_input(key="gap_k").set_value(3).run()
    assert_ok(at)
    approve = button(at, "Approve selected")
    assert approve.label == "Approve selected (0)" and approve.disabled
