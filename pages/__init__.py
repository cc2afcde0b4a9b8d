"""The app's pages (``streamlit run app.py``): one file per page, run by Streamlit's pages directory.

``ui/`` holds the shared helpers; Streamlit lists only the ``*.py`` files directly in this folder as pages,
never this ``__init__.py`` nor anything in a subfolder.
"""
