"""Closing the loop: the review queue, calibration versions fitted on reviewed grades, A/B tests."""
