"""Sessions as the UI and CLI use them: the engine plus storage, identity, ownership and limits."""
