"""Templates and the guided start: ready-made flows for people new to machine learning.

UI-free like flow/ and store/: the gallery page, the wizard, the CLI and the REST API all call
these functions.
"""
