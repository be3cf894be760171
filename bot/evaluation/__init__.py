"""`python -m bot evaluate`: accuracy of retrieval and of safety triage on labelled sets."""

from __future__ import annotations

from pathlib import Path

from bot.evaluation.baseline import baselines_for
from bot.evaluation.labelled import SetKind, read_labelled
from bot.reply import Responder


def default_sets(responder: Responder) -> list[Path]:
    """The sets shipped in the source tree's eval/ folder, beside knowledge/."""
    folder = responder.knowledge.directory.parent / "eval"
    return sorted(folder.glob("*.tsv")) if folder.is_dir() else []


def default_conversation_sets(responder: Responder) -> list[Path]:
    """The multi-turn conversation sets shipped beside them (eval/conversations*.yaml)."""
    folder = responder.knowledge.directory.parent / "eval"
    return sorted(folder.glob("conversations*.yaml")) if folder.is_dir() else []


def run_evaluation(responder: Responder, files: list[Path], guide: Path | None = None) -> int:
    """Print a report for each set; exit status 0 only when every set meets its targets."""
    files = files or [*default_sets(responder), *default_conversation_sets(responder)]
    if not files:
        print(
            "No evaluation sets found: name one, e.g. `python -m bot evaluate eval/retrieval.tsv`."
        )
        return 2
    all_met = True
    for path in files:
        report, met = _evaluate_one(path, responder, guide)
        print(report + "\n")
        all_met = all_met and met
    print("All targets met." if all_met else "Some targets were missed (see above).")
    return 0 if all_met else 1


def _evaluate_one(path: Path, responder: Responder, guide: Path | None) -> tuple[str, bool]:
    from bot.evaluation.conversation import evaluate_conversations, is_conversation_set

    if is_conversation_set(path):
        return evaluate_conversations(path, responder)
    labelled = read_labelled(path)
    if labelled.kind is SetKind.SAFETY:
        from bot.evaluation.safety import evaluate_safety

        return evaluate_safety(path, responder)
    from bot.evaluation.retrieval import evaluate_retrieval

    baselines = baselines_for(responder.knowledge, responder.tuning.stopwords, guide)
    return evaluate_retrieval(labelled, responder, baselines)
