"""Reading coded material back out of a project: excerpts now; theme tables build on it."""
