"""How the interview chat behaves in the page: what the interviewer just said is in view after every turn, and
no control in the chat wipes the transcript.

Gradio's chat scrolls itself only when it was already at the bottom, and a coding question's editor sits under the
chat, below the fold on a laptop screen. So after every event that can ask something, the page scrolls the chat to
the interviewer's newest message (its start, when it is taller than the chat) and brings the editor or the answer
box into view. Gradio's chat always shows a "Clear" icon that empties the transcript in the page without asking; an
interview has Pause and End for that, so the icon is hidden.
"""

from __future__ import annotations

from typing import Any

CSS = '#chat button[aria-label="Clear"] { display: none !important; }'

FOLLOW_NEWEST_JS = """
() => {
  const settle = (tries) => {
    const wrap = document.querySelector('#chat .bubble-wrap');
    if (!wrap) return;
    const bots = wrap.querySelectorAll('.message.bot, [data-testid="bot"]');
    const last = bots[bots.length - 1];
    if (last) {
      const top = last.getBoundingClientRect().top - wrap.getBoundingClientRect().top + wrap.scrollTop;
      const tall = last.getBoundingClientRect().height > wrap.clientHeight;
      wrap.scrollTop = tall ? top : wrap.scrollHeight;
    }
    const editor = document.querySelector('#coding-panel');
    const coding = editor && editor.offsetParent !== null;
    const box = coding ? editor : document.querySelector('#answer');
    if (box) box.scrollIntoView({block: 'nearest'});
    // the page may still be drawing (seconds on a loaded machine: seen in CI); the editor opens after
    if (tries > 0) setTimeout(() => settle(tries - 1), 200);
  };
  setTimeout(() => settle(25), 50);
}
"""


def follow_newest(events: list[Any]) -> None:
    """After each event in `events`, bring the newest message and the place to answer into view (in the page)."""
    for event in events:
        event.then(None, None, None, js=FOLLOW_NEWEST_JS, queue=False, show_progress="hidden")
