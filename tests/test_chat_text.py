"""How candidate text and quoted evidence read in the chat (issue 27, item 4): code as written, HTML never run."""

from __future__ import annotations

from interviewer.ui.messages import candidate_message, escape_outside_code, quote_as_written


def test_code_in_an_answer_is_shown_as_written_and_html_outside_it_is_escaped():
    text = (
        "It maps a -> b <b>.\n```python\ndef f(x: int) -> int:\n    return x if x < 3 else 0\n```\nand `a->b`"
    )
    shown = candidate_message(text)["content"]
    assert "def f(x: int) -> int:" in shown and "x < 3" in shown and "`a->b`" in shown
    assert "a -&gt; b &lt;b&gt;." in shown  # Markdown shows these entities as the characters typed
    assert (
        escape_outside_code("```\n<script>x</script>") == "```\n<script>x</script>"
    )  # an open fence is code


def test_quoted_code_keeps_its_stars_dashes_and_lines():
    quote = '"cost = O(total_tokens + |docs| * |query|)\nfor d in docs:\n    n -= 1"'
    feedback = f"Good: {quote}. Missing, for example: caching."
    shown = quote_as_written(feedback, [quote])
    assert r"O(total\_tokens \+ \|docs\| \* \|query\|)" in shown  # escaped, so Markdown prints * and _
    assert "  \nfor d in docs:  \n&nbsp;&nbsp;&nbsp;&nbsp;n \\-= 1" in shown  # one line each, indented
    assert shown.endswith("Missing, for example: caching.")
    assert quote_as_written("Good.", []) == "Good."
