"""People's own blocks: read from their Python source or KFP component file, never run here."""
