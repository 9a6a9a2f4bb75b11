"""Understanding recruiting threads: tracked or not, stage, roles, evidence.

Pure code: no I/O and no clock. `analysis.classify` describes a thread as of
its last message; `daemon.policy` adds `now` and decides what to do.

Nothing is imported here: sync only needs `prefilter`, and must not pay for
compiling the vocabulary.
"""
