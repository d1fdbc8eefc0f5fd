"""What the app shows, without Qt: the session (files, references A and B), corrected sources and view state.

``core`` computes; ``model`` decides what is loaded, which data each panel shows and when
that data is stale; ``gui`` draws it and forwards clicks. Importable and testable without Qt.
"""
