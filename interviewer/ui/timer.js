// The per-question countdown (js_on_load of a gr.HTML: `element`, `props`, `trigger` and `watch` are given).
// The server sends {state, key, seconds, text}; a new key means a new question or follow-up (or a resume), so
// the countdown restarts. The clock runs here, in the page: an open session costs no request per second.
// At zero the draft is submitted through the 'time_up' event; the server measures the time itself.
const memo = (window.__interviewTimer = window.__interviewTimer || { key: null, deadline: 0, fired: null });
// A re-mounted component (another tab, a re-render) keeps the deadline of the same key and one ticker only.
if (memo.ticker) clearInterval(memo.ticker);

function mmss(seconds) {
  const s = Math.max(0, Math.ceil(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

function show(state, text) {
  const box = element.querySelector(".q-timer");
  if (!box) return;
  box.dataset.state = state;
  if (box.textContent !== text) box.textContent = text;
}

function tick() {
  const v = props.value || {};
  if (v.state !== "running") {
    memo.key = null;
    show(v.state || "off", v.text || "");
    return;
  }
  if (memo.key !== v.key) {
    memo.key = v.key;
    memo.deadline = Date.now() + 1000 * Number(v.seconds || 0);
  }
  const left = (memo.deadline - Date.now()) / 1000;
  if (left > 0) {
    show(left <= 10 ? "ending" : "running", `Time left: ${mmss(left)}`);
    return;
  }
  show("expired", "Time ran out: your draft was submitted.");
  if (memo.fired !== v.key) {
    memo.fired = v.key; // once per question: the answer's reply brings the next key
    trigger("time_up", { asked_at: v.asked_at });
  }
}

memo.ticker = setInterval(tick, 250);
watch("value", tick);
tick();
