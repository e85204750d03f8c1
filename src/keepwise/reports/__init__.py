"""Surfaces on paper: the business report (HTML/PDF), charts and letters in five languages."""
