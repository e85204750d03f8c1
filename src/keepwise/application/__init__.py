"""Use cases: what the surfaces (CLI, web, reports) ask keepwise to do."""
