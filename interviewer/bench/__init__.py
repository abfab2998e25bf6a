"""`interviewer bench` and `interviewer simulate`: measure speed and run scripted candidates. Never assert."""
