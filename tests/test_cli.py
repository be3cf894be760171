"""The command line as a newcomer and other tools use it: ask, ask --jsonl, check, evaluate, chat."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from bot.console import as_terminal_text, run_console
from bot.reply import Responder

ROOT = Path(__file__).resolve().parent.parent


def _run(
    *args: str, stdin: str = "", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=environment,
        timeout=60,
        check=False,
    )


def test_ask_jsonl_writes_one_object_per_message_with_the_contract_fields() -> None:
    result = _run("ask", "--jsonl", stdin="dry lips\nbest pizza near me\nhi\n")
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["kind"] for line in lines] == ["answer", "fallback", "smalltalk"]
    assert lines[0]["entry"] == "dry-lips"
    for line in lines:
        assert {"kind", "entry", "section", "escalation", "score", "suggestions", "text"} <= set(
            line
        )
        assert isinstance(line["suggestions"], list)
        assert 0 <= line["score"] <= 100


def test_invalid_utf8_on_stdin_is_answered_not_a_crash() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "ask", "--jsonl"],
        input=b"dry lips \xff\xfe\n",
        capture_output=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONIOENCODING": "utf-8:strict"},
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["entry"] == "dry-lips"


def test_ask_prints_the_reply(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "what is cumulative dose"]) == 0
    assert "umulative" in capsys.readouterr().out


def test_check_reports_what_was_loaded(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check"]) == 0
    assert capsys.readouterr().out.startswith("OK: ")


def test_check_names_the_broken_file_and_fails(knowledge_copy: Path) -> None:
    (knowledge_copy / "entries" / "monitoring.yaml").write_text("entries: [", encoding="utf-8")
    result = _run("--knowledge", str(knowledge_copy), "check")
    assert result.returncode == 2
    assert "monitoring.yaml" in result.stderr
    assert "Traceback" not in result.stderr


def test_content_directory_from_the_environment(knowledge_copy: Path) -> None:
    (knowledge_copy / "sections.yaml").unlink()
    result = _run("check", env={"BOT_KNOWLEDGE_DIR": str(knowledge_copy)})
    assert result.returncode == 2
    assert "sections.yaml" in result.stderr


def test_evaluate_reports_accuracy_on_a_labelled_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    labelled = tmp_path / "mini.tsv"
    labelled.write_text(
        "message\texpected\ndry lips\tdry-lips\nbest pizza in town\tnone\nhello\tsmalltalk\n",
        encoding="utf-8",
    )
    assert main(["evaluate", str(labelled)]) == 0
    report = capsys.readouterr().out
    assert "or 'none' declined)  100.0 %" in report
    assert "wrong direct answers           0.0 %" in report
    assert "off-topic rejection          100.0 %" in report


def test_evaluate_reads_sets_written_elsewhere(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`|`-lists of right sections or tiers, and `no-escalation`, as outside sets label them."""
    questions = tmp_path / "questions.tsv"
    questions.write_text(
        "message\texpected\nmy lips are so dry\tcommon-side-effects|skincare-routine\n"
        "best pizza in town\tnone\n",
        encoding="utf-8",
    )
    safety = tmp_path / "safety.tsv"
    safety.write_text(
        "message\texpected\ni want to kill myself\tcrisis|emergency\n"
        "the whites of my eyes are yellow\turgent\n"
        "this dry skin is killing me lol\tno-escalation\n",
        encoding="utf-8",
    )
    assert main(["evaluate", str(questions), str(safety)]) == 0
    report = capsys.readouterr().out
    assert "or 'none' declined)  100.0 %" in report
    assert "crisis     recall 100.0% (1/1)" in report
    assert "false escalations 0.0% (0/1 'none' messages)" in report


def test_a_direct_answer_in_the_wrong_section_is_counted_as_wrong(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    labelled = tmp_path / "wrong.tsv"
    labelled.write_text("message\texpected\nmy lips are so dry\tmonitoring\n", encoding="utf-8")
    assert main(["evaluate", str(labelled)]) == 1
    assert "wrong direct answers         100.0 %" in capsys.readouterr().out


def test_evaluate_reads_yaml_sets_too(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    retrieval = tmp_path / "retrieval.yaml"
    retrieval.write_text(
        "- {message: dry lips, expected: dry-lips}\n- {message: best pizza in town, expected: none}\n",
        encoding="utf-8",
    )
    safety = tmp_path / "safety.yaml"
    safety.write_text(
        "- {message: i want to kill myself, tier: crisis}\n"
        "- {message: my throat is swelling and i cant breathe, tier: emergency}\n"
        "- {message: the whites of my eyes are yellow, tier: urgent}\n"
        "- {message: dry lips, tier: none}\n",
        encoding="utf-8",
    )
    assert main(["evaluate", str(retrieval), str(safety)]) == 0
    report = capsys.readouterr().out
    assert "or 'none' declined)  100.0 %" in report
    assert "crisis     recall 100.0% (1/1)" in report


def test_evaluate_fails_when_targets_are_missed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    labelled = tmp_path / "wrong.tsv"
    labelled.write_text("message\texpected\ndry lips\tsmoking\n", encoding="utf-8")
    assert main(["evaluate", str(labelled)]) == 1
    assert "expected smoking" in capsys.readouterr().out


def test_console_conversation(responder: Responder) -> None:
    source = io.StringIO("my lips are so dry\n/region nowhere\n/quit\n")
    sink = io.StringIO()
    assert run_console(responder, source, sink) == 0
    transcript = sink.getvalue()
    assert responder.knowledge.entries["dry-lips"].title in transcript
    assert "<b>" not in transcript  # HTML is for Telegram; the terminal gets plain text
    assert responder.knowledge.texts("reply.disclaimer").split()[0] in transcript
    assert "Goodbye" in transcript


def test_console_lets_risk_build_over_the_conversation(responder: Responder) -> None:
    sink = io.StringIO()
    source = io.StringIO("im not suicidal lol\nim not going to kill myself dont worry\n/quit\n")
    run_console(responder, source, sink)
    crisis = as_terminal_text(responder.reply("i want to kill myself"), responder)
    assert crisis in sink.getvalue()


def test_no_token_opens_the_console() -> None:
    result = _run(stdin="hi\n")
    assert result.returncode == 0
    assert "you>" in result.stdout


def test_knowledge_may_follow_the_command(knowledge_copy: Path) -> None:
    (knowledge_copy / "sections.yaml").unlink()
    result = _run("check", "--knowledge", str(knowledge_copy))
    assert result.returncode == 2
    assert "sections.yaml" in result.stderr


def test_ask_prints_plain_text_and_json_keeps_the_html_beside_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["ask", "dry lips"]) == 0
    printed = capsys.readouterr().out
    assert "<b>" not in printed
    assert "<i>" not in printed
    result = _run("ask", "--jsonl", stdin="dry lips\n")
    line = json.loads(result.stdout)
    assert line["html"].startswith("<b>")
    assert "<b>" not in line["text"]
    assert line["text"].split("\n")[0] in line["html"]


def test_an_unknown_region_is_an_error_naming_the_codes(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["ask", "--region", "atlantis", "dry lips"]) == 2
    error = capsys.readouterr().err
    assert "atlantis" in error
    assert "gb" in error
    assert main(["ask", "--region", "GB", "dry lips"]) == 0


def test_a_missing_guide_file_is_a_clean_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["evaluate", "--guide", str(tmp_path / "nowhere.txt")]) == 2
    assert "nowhere.txt" in capsys.readouterr().err


def test_bench_from_an_installed_wheel_says_where_it_runs(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The wheel leaves the benchmarks out (see test_packaging); bench says so instead of a traceback."""
    import importlib.util

    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *rest: None if name == "bot.benchmark" else real_find_spec(name, *rest),
    )
    assert main(["bench"]) == 2
    assert "source checkout" in capsys.readouterr().err
