"""Multi-task learning for the scikit-learn world."""

__version__ = "0.1.0.dev0"
