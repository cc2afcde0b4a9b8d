"""The pages' toolkit in one import, for pages not yet moved to the modules it is made of (docs/app.md):

:mod:`.text` (words, errors), :mod:`.state` (workspace, settings, caches), :mod:`.source` (the data),
:mod:`.build` (the taxonomy in use), :mod:`.tables` (selectable tables), :mod:`.frame` (the page frame).
New code imports from those modules directly."""

from __future__ import annotations

from .text import (  # noqa: F401
    HELP, bits, md, page_intro, shown_errors)
from .state import (  # noqa: F401
    MAX_COUNT, MAX_SEED, WORKSPACE_ENV, WS, WS_OBJECT, array_key, bind, bind_bool, bind_float, bind_int, bind_text,
    bound, cache_key, clear_memo, default_workspace, follow, forget, forget_workspace_state, keep, last_seen, memo,
    memo_ready, merge_marks, open_workspace_named, progress_bar, request_rebuild, save, setting, table_height,
    valid_int, workspace, workspace_folder, ws_key)
from .datasource import (  # noqa: F401
    Counts, DataSource, UPLOAD_TYPES, accepted_skill_lists, catalog, catalog_by_name, content_key, cooccurrence,
    corpus_key, current_source, demo_source, fingerprint, novelty_of, read_report, save_upload, skip_bad,
    support_index, topics, use_source)
from .build import (  # noqa: F401
    BUILD_DEFAULTS, EditState, HEIGHTS, base_tree, build_settings, build_tree_now, clear_edits, current_tree,
    edit_state, skill_embeddings, stale_edits_notice, state_or_none, tree_key, tree_or_none, tree_version)
from .tables import (  # noqa: F401
    MARK_GEN, chart_point_id, combination_table, excluded_combos, latest_selection, mark_combos, rows_key,
    table_row, table_rows, tree_selectbox)
from .frame import Frame, frame  # noqa: F401
from .nav import PAGES, page_path  # noqa: F401
