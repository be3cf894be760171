"""Retrieval: which knowledge-base entry (or uncovered subject) a message asks about.

`lexical` matches words and characters, `encoder` embeds sentences with a small offline model,
`semantic` ranks phrasings by meaning, `sentences` finds the questions in a long message and `ranker`
combines them into one ranking. `tuning` reads the thresholds in `knowledge/retrieval.yaml`.
"""
