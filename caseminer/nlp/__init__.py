"""caseminer spaCy components (one concern per module)."""
