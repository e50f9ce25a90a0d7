"""Side-by-side benchmarks: xpresign against botocore, awscrt and the original
guide's handler, measured in one run and reported as ratios.

Run ``python -m benchmarks`` (``make bench``) to rewrite ``benchmarks/RESULTS.md``
and the charts next to it; ``--smoke`` runs every benchmark briefly and writes
to ``--output`` (a scratch directory), which is what the test suite does.

Every benchmark first checks that each side produces valid results (URLs
byte-identical to botocore's, bodies identical to ``json.dumps``, or
downloading the right bytes from the emulator) and only then times them, so a
broken fast path cannot look fast.
"""

import os

# botocore is measured in pure Python, whatever else is installed: with awscrt
# importable it would switch to AWS's C signer, so the comparison would change
# with the machine. botocore reads this once, when it is first imported, which
# is after this line (benchmarks.botocore_signer checks that it took).
os.environ["BOTO_DISABLE_CRT"] = "true"
