"""``steps select``: a list of skill combinations worth synthesising."""

from __future__ import annotations

import click

from ..errors import InputError
from ..names import CONNECT, DIVERSITY, MAX_K, MIN_K, MIN_PAIR_COUNT, SCOPES, describe
from . import cli
from ._util import IntOrWord, echo_kv, progress_bar


def _split_combo(text: str) -> list[str]:
    sep = "|" if "|" in text else ","
    return [s.strip() for s in text.split(sep) if s.strip()]


@cli.command("select")
@click.argument("tree_path", metavar="TREE", type=click.Path(exists=False, dir_okay=False))
@click.option("--k", "k", type=click.IntRange(MIN_K, MAX_K), default=4, show_default=True,
              help="Skills per combination, start skills and pins included.")
@click.option("--top", type=click.IntRange(min=1), default=None,
              help="Length of the list: the N combinations chosen as a whole (default: one per start skill).")
@click.option("--diversity", type=click.FloatRange(0.0, 1.0), default=DIVERSITY, show_default=True,
              help="How much a skill already in the list is worth less the next time: its second use counts "
                   "1 - D of its gain, its third (1 - D)^2 (communities half as much). 0 = rank by gain alone.")
@click.option("--max-per-skill", type=IntOrWord({"auto": "auto", "none": None}), default="auto",
              show_default=True, metavar="N|auto|none",
              help="Combinations of the list that may hold one same skill. auto: 10% of the list, at least 2.")
@click.option("--connect", type=click.Choice(list(CONNECT)), default="attested", show_default=True,
              help=describe(CONNECT) + ".")
@click.option("--min-pair-count", type=click.IntRange(min=1), default=MIN_PAIR_COUNT, show_default=True,
              help="A pair is attested when at least this many records hold both skills, more often than chance "
                   "would explain (one-sided Poisson test, p < 0.01).")
@click.option("--semantic-links", type=click.FloatRange(-1.0, 1.0), default=None, metavar="COSINE",
              help="Also link skills whose meanings are this similar (offline MiniLM cosine), where the corpus is "
                   "silent. Off by default.")
@click.option("--corpus", "corpus_path", type=click.Path(exists=True), default=None,
              help="The corpus the tree was built from: novelty (no record holds all the skills) is then checked "
                   "exactly. Without it a combination counts as new only when one of its pairs was never seen.")
@click.option("--allow-seen", is_flag=True, help="Also return combinations the corpus may already hold.")
@click.option("--skill-scores", "scores_path", type=click.Path(exists=True, dir_okay=False), default=None,
              help="A model's per-skill results: a skill,score CSV (score 0 to 1, 1 = mastered) or a `steps eval` "
                   "results file. The list then turns to the skills and communities the model is weakest at.")
@click.option("--emphasis", type=click.FloatRange(0.0, 100.0), default=1.0, show_default=True,
              help="With --skill-scores: how strongly weakness counts (a node's value is h times 1 + EMPHASIS x "
                   "weakness).")
@click.option("--beam", type=click.IntRange(min=1), default=20, show_default=True,
              help="Beam width: partial combinations kept after each step.")
@click.option("--start", "starts", multiple=True, metavar="SKILL[,SKILL...]",
              help="A start set (repeatable; a comma- or |-separated list gives a multi-skill start). "
                   "Without --start every skill is a start: the full sweep.")
@click.option("--pin", "pins", multiple=True, metavar="SKILL",
              help="A skill every combination must contain (repeatable).")
@click.option("--exclude", "excludes", multiple=True, metavar="SKILL", help="A skill never to use (repeatable).")
@click.option("--exclude-combo", "exclude_combos", multiple=True, metavar="SKILL,SKILL,...",
              help="A combination (as a set) never to return (repeatable; comma- or |-separated).")
@click.option("--scope", type=click.Choice(list(SCOPES)), default="local", show_default=True,
              help=describe(SCOPES) + ".")
@click.option("--per-start", type=click.IntRange(min=1), default=1, show_default=True,
              help="Combinations of the list that may come from one start.")
@click.option("--min-coherence", type=click.FloatRange(-1.0, 1.0), default=None,
              help="Keep only combinations whose skills' mean pairwise cosine similarity (offline MiniLM) reaches "
                   "this floor; also fills the coherence field.")
@click.option("--catalog", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Skill catalogue CSV: coherence then embeds 'name: definition' instead of the bare name.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default="combos.jsonl", show_default=True,
              help="Combinations to write, one JSON object per line, in the order chosen.")
def select_cmd(tree_path, k, top, diversity, max_per_skill, connect, min_pair_count, semantic_links, corpus_path,
               allow_seen, scores_path, emphasis, beam, starts, pins, excludes, exclude_combos, scope, per_start,
               min_coherence, catalog, output):
    """Choose a list of skill combinations of maximum conditional structural entropy from TREE (a tree.json).

    Each combination adds to its start skills the skills that bring the most new information, H(Y|X), while
    hanging together through pairs the corpus attests and never having been seen together. The list is chosen
    as a whole, so one skill cannot fill it. Each line printed: the gain (bits), the skills, and why the
    combination is there.
    """
    inputs = [tree_path, *[p for p in (catalog, corpus_path, scores_path) if p]]
    from ..io import check_output
    from ..select import select_combinations, why, write_combos
    from ..tree import read_tree_json

    check_output(output, inputs)
    tree = read_tree_json(tree_path)
    start_sets = [_split_combo(s) for s in starts] or None
    embeddings = None
    if min_coherence is not None or catalog is not None or semantic_links is not None:
        from ..corpus import read_catalog
        from ..embed import skill_embeddings

        with progress_bar("embedding skills", unit=" skills") as bar:
            embeddings = skill_embeddings(tree.skills, read_catalog(catalog) if catalog else (), progress=bar)
    index = None
    if corpus_path is not None:
        from ..corpus import iter_skill_lists
        from ..novelty import SupportIndex

        with progress_bar("indexing", unit=" records") as bar:
            index = SupportIndex.from_skill_lists(iter_skill_lists(corpus_path, progress=bar))
    scores = None
    if scores_path is not None:
        from ..weak_spots import read_skill_scores, weakest_skills

        scores = read_skill_scores(scores_path)
        click.echo("weakest skills: " + ", ".join(f"{name} ({score:.2g})" for name, score in
                                                  weakest_skills(scores, 5)), err=True)
    with progress_bar("searching", unit=" starts") as bar:
        combos = select_combinations(tree, starts=start_sets, k=k, beam=beam, scope=scope, pins=pins,
                                     exclude=excludes, exclude_combos=[_split_combo(c) for c in exclude_combos],
                                     per_start=per_start, top=top, embeddings=embeddings, index=index,
                                     min_coherence=min_coherence, connect=connect, min_pair_count=min_pair_count,
                                     semantic_links=semantic_links, novel=not allow_seen, diversity=diversity,
                                     max_per_skill=max_per_skill, skill_scores=scores, emphasis=emphasis,
                                     progress=bar)
    if not combos:
        hint = ("" if connect == "none" else " Few pairs are attested: try --min-pair-count 1, --semantic-links "
                "0.5 or --connect none.")
        raise InputError("no combination satisfies these settings (too many exclusions, k larger than the skills "
                         "left, or no novel combination whose skills hang together)." + hint)
    path = write_combos(output, combos, inputs=inputs)
    for c in combos[:10]:
        click.echo(f"{c.gain:8.4f}  {' + '.join(c.skills)}")
        click.echo(f"{'':10}{why(c)}")
    if len(combos) > 10:
        click.echo(f"     ...  ({len(combos) - 10} more)")
    echo_kv([("combinations", len(combos)), ("written to", path)])
