"""Commands that grade, evaluate, simulate and benchmark; registered into the CLI."""
