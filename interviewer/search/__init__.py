"""The Chroma index of the corpus, question search and nearest-question lookup, near-duplicate checks."""
