"""keepwise: one scorecard per customer — value, the signs of a bad customer, churn risk, action."""

__version__ = "0.1.0"

__all__ = ["__version__"]
