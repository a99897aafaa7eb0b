"""The themes engine: candidate themes found in free text, with no Django in it.

Which fields are read and how a response's texts are joined (`fields`), duplicates and
campaigns (`duplicates`), text representations (`representations`, with the bundled models
in `sentence_model` and the static embedding's build in `static_embedding`), grouping
(`grouping`), labels and quotes (`labels`), the whole pipeline (`candidates`), and the rule
that assigns answers to confirmed themes (`assignment`).

Its modules import neither Django nor any soundingboard module outside the engine: they take
texts and vectors and give back plain results. Storing them, and reading answers from the
database, is the Django side's (`analyse.themes`).
"""
