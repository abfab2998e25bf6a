"""Agreement of the grader with human scores: public ASAG sets and the labelled interview benchmark."""
