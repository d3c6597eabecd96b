"""Pure functions from model objects to cells, texts, bars and key rows: no widgets, no state."""
