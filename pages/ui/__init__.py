"""Shared helpers of the app's pages (not pages themselves: Streamlit ignores subfolders of ``pages/``).

``common`` holds the frame and the state helpers (workspace, data source, taxonomy with its edits, cached
pipeline steps, messages); ``sidebar`` the sidebar; ``charts`` the pure figure and table builders (no
Streamlit calls), so they can be tested and reused on their own; ``gaps``, ``edits`` and ``compare`` the
coverage, taxonomy-editing and sampler-comparison sections.
"""
