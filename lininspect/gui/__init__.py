"""The PyQt6 + pyqtgraph desktop app; imported only by commands that show or render a window."""
