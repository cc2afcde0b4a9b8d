"""The pages of the STEPS Studio app (registered by ``app.py`` with ``st.navigation``) and their shared helpers.

``common`` holds the state helpers (workspace, data source, cached pipeline steps, messages); ``charts`` the
pure figure and table builders (no Streamlit calls), so they can be tested and reused on their own.
"""
