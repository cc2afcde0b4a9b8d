"""STEPS Studio core: skill graph, encoding tree, structural entropy, combination search, synthesis.

No Streamlit here; the app and the ``steps`` command line are thin layers over this package.
"""

__version__ = "0.1.0"
