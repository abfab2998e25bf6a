"""The shared types every layer uses: questions, grades, runs, session state, text helpers. Imports nothing of the app but config."""
