"""The `interviewer` command line: thin commands over the composition root (interviewer.services)."""
