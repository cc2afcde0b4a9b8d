"""Shared helpers of the app's pages (not pages themselves: Streamlit ignores subfolders of ``pages/``).

``common`` holds the frame and the state helpers (workspace, data source, taxonomy with its edits, cached
pipeline steps, messages); ``sidebar`` the sidebar; ``charts`` the pure figure and table builders (no
Streamlit calls), so they can be tested and reused on their own; ``gaps`` and ``edits`` the coverage and
taxonomy-editing views of the Taxonomy page; ``download`` the Export page's zip (no Streamlit calls: it runs
when the download button is clicked, outside any session).
"""
