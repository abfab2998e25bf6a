"""The recruiter editor without a browser: the live copy (never the shipped files), one question at a time, and
versions numbered per file (storage migration 5)."""

from __future__ import annotations

import shutil

import yaml
from sqlalchemy import text

from interviewer.config import load_settings
from interviewer.corpus.live import LiveCopy
from interviewer.review_loop.file_items import item_text, items, replace_item
from interviewer.review_loop.recruiting import Workspace
from interviewer.services import Services
from interviewer.storage.store import MIGRATIONS, Storage

from .helpers import ROOT

TIPS = "tips:\n- Think aloud.\n- Tailor the answer to the level.\n"


def _shipped_copy(tmp_path):
    for name in ("corpus", "rubrics"):
        shutil.copytree(ROOT / name, tmp_path / "shipped" / name)
    return tmp_path / "shipped" / "corpus", tmp_path / "shipped" / "rubrics"


def test_the_live_copy_follows_unedited_shipped_files_and_keeps_edits(tmp_path):
    corpus, rubrics = _shipped_copy(tmp_path)
    live = LiveCopy(corpus, rubrics, tmp_path / "live")
    assert live.folders() == (tmp_path / "live" / "corpus", tmp_path / "live" / "rubrics")
    assert (tmp_path / "live" / "rubrics" / "levels.yaml").read_text() == (
        rubrics / "levels.yaml"
    ).read_text()

    (tmp_path / "live" / "rubrics" / "tips.yaml").write_text(
        TIPS + "- Ask about the team.\n"
    )  # a recruiter's edit
    (rubrics / "tips.yaml").write_text(TIPS + "- A newer shipped tip.\n")  # and an upgrade of the same file
    (rubrics / "scale.yaml").write_text(
        (rubrics / "scale.yaml").read_text() + "# upgraded\n"
    )  # unedited here
    done = live.sync()
    assert done["kept_edit"] == ["rubrics/tips.yaml"] and "rubrics/scale.yaml" in done["copied"]
    assert "Ask about the team" in (tmp_path / "live" / "rubrics" / "tips.yaml").read_text()
    assert (tmp_path / "live" / "rubrics" / "scale.yaml").read_text().endswith("# upgraded\n")

    (corpus / "tracks" / "tracks.yaml").unlink()  # dropped from the shipped set, never edited here: goes too
    assert live.sync()["removed"] == ["corpus/tracks/tracks.yaml"]


def test_a_save_writes_the_live_copy_and_never_the_shipped_file(tmp_path):
    corpus, rubrics = _shipped_copy(tmp_path)
    shipped_tips = (rubrics / "tips.yaml").read_text()
    svc = Services(
        load_settings(data_dir=tmp_path / "data", corpus_dir=corpus, rubrics_dir=rubrics, embeddings="fake")
    )
    ws = Workspace(svc)
    out = ws.save("rubrics/tips.yaml", TIPS + "- Ask what the team measures.\n", "rita")
    assert out.startswith("Saved rubrics/tips.yaml as version 2"), out  # version 1 is the file as shipped
    assert (rubrics / "tips.yaml").read_text() == shipped_tips
    live_tips = tmp_path / "data" / "live" / "rubrics" / "tips.yaml"
    assert "Ask what the team measures" in live_tips.read_text()
    assert "Ask what the team measures" in " ".join(svc.corpus.rubric.tips)  # the app reads the live copy

    assert ws.save("rubrics/tips.yaml", "tips: 5\n", "rita").startswith("**Not saved.**")
    assert ws.rollback("rubrics/tips.yaml", 1, "rita").startswith("Saved rubrics/tips.yaml as version 3")
    assert live_tips.read_text() == shipped_tips
    out = ws.save("rubrics/tips.yaml", shipped_tips, "rita")  # a second click: nothing new
    assert out.startswith("Nothing to save"), out
    assert [v["number"] for v in svc.storage.file_versions("rubrics/tips.yaml")] == [3, 2, 1]


def test_one_question_is_edited_and_the_rest_of_the_file_stays_byte_for_byte(tmp_path):
    content = (ROOT / "corpus" / "questions" / "llm_finetuning.yaml").read_text()
    found = items(content)
    assert len(found) == len(yaml.safe_load(content)["questions"])
    key = found[3].key
    one = item_text(content, key)
    assert one.startswith(f"- id: {key}\n") and len(one) < len(content) / 10
    edited = one.rstrip("\n") + "\n  # reviewed by rita\n"
    new = replace_item(content, key, edited)
    assert new.count("# reviewed by rita") == 1
    assert new.replace("    # reviewed by rita\n", "", 1) == content
    assert [i.key for i in items(new)] == [i.key for i in found]


def test_versions_are_numbered_per_file_and_migration_5_renumbers_old_ones(tmp_path):
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    store = Storage(url)
    assert [store.add_file_version(p, "x", "rita") for p in ("a.yaml", "b.yaml", "a.yaml", "b.yaml")] == [
        1,
        1,
        2,
        2,
    ]
    with store.engine.begin() as conn:  # as a version 4 database kept them: one counter, no number column
        conn.execute(text("DROP INDEX ux_file_versions_number"))
        conn.execute(text("ALTER TABLE file_versions DROP COLUMN number"))
        conn.execute(text("DELETE FROM schema_version WHERE version >= 5"))
    upgraded = Storage(url)
    assert upgraded.migrate() == max(v for v, _ in MIGRATIONS)
    assert [v["number"] for v in upgraded.file_versions("a.yaml")] == [2, 1]
    assert [v["number"] for v in upgraded.file_versions("b.yaml")] == [2, 1]
    assert upgraded.add_file_version("a.yaml", "y", "rita") == 3
