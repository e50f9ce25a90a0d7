"""Side-by-side benchmarks: xpresign against botocore and against the original
guide's handler, measured in one run and reported as ratios.

Run ``python -m benchmarks`` (``make bench``) to rewrite ``benchmarks/RESULTS.md``
and the charts next to it; ``--smoke`` runs every benchmark briefly and writes
to ``--output`` (a scratch directory), which is what the test suite does.

Every benchmark first checks that both sides produce valid results (URLs
byte-identical to botocore's, or downloading the right bytes from the emulator)
and only then times them, so a broken fast path cannot look fast.
"""
