"""bench/results.md's section on the live class reads the last bench-live run and says, per
scenario, whether the targets were met."""

from __future__ import annotations

import json

from bench.run import _live_summary


def figures(shown: float, counted: float, lost: int = 0, double: int = 0) -> dict:
    return {"shown_p95_ms": shown, "counted_p95_ms": counted, "lost": lost, "double_counted": double}


def test_each_scenario_is_met_only_under_the_target_with_no_answer_lost(tmp_path):
    path = tmp_path / "results-live.json"
    path.write_text(
        json.dumps(
            {
                "players": 300,
                "one_session": figures(120.0, 80.0),
                "three_sessions": [figures(90.0, 278.0), figures(60.0, 70.0, lost=1), {"error": "boom"}],
            }
        )
    )
    lines = _live_summary(path)
    assert "- 1 session × 300: shown 120.0 ms, counted 80.0 ms, 0 lost, 0 double: **met**" in lines
    assert any(line.startswith("- 3 sessions at once, #1 × 100") and "**missed**" in line for line in lines)
    assert any(line.startswith("- 3 sessions at once, #2 × 100") and "**missed**" in line for line in lines)
    assert "- 3 sessions at once, #3 × 100: failed (boom)" in lines


def test_no_live_run_no_section(tmp_path):
    assert _live_summary(tmp_path / "absent.json") == []
