"""The tables of the sub-packages, gathered here so Django finds them."""
