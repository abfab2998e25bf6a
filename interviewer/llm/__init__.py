"""Chat LLM providers (none, OpenAI-compatible, scripted fake), token counting and prompt files."""
