"""3. STS calls: AssumeRole calls per 1,000 invocations, counted at the emulator.

The count comes from the warm-invocation run (benchmark 2), which starts both
handlers fresh: moto records one ``AssumedRole`` per AssumeRole call it
serves, with the role ARN and session name, and lists them at
``/moto-api/data.json``. Each handler uses its own session name, so the two
counts cannot mix.
"""

from __future__ import annotations

from .report import OTHER_COLOUR, XPRESIGN_COLOUR, Section, Target, simple_bars
from .stats import format_ratio, ratio
from .warm_invocation import InvocationRun


def section(result: InvocationRun) -> Section:
    window = result.plan.sts_window
    x, g = result.xpresign.assume_roles, result.guide.assume_roles
    target = Target(
        f"1 vs {window:,} AssumeRole calls over {window:,} invocations", f"{x} vs {g}", x == 1 and g == window
    )
    built = Section(
        number=3,
        title="STS calls",
        slug="sts_calls",
        headline=(
            f"over its first {window:,} invocations xpresign called AssumeRole {x} time{'s' if x != 1 else ''}; "
            f"the guide's handler {g:,} times ({format_ratio(ratio(g, x))} as many)."
        ),
        summary=f"{x} vs {g:,} AssumeRole calls per {window:,} invocations",
        columns=["Handler", "Invocations", "AssumeRole calls (at the emulator)", "Per invocation"],
        rows=[
            ["xpresign", f"{window:,}", f"{x:,}", f"{x / window:.3f}"],
            ["guide", f"{window:,}", f"{g:,}", f"{g / window:.3f}"],
        ],
        validated=[
            "The invocations counted are those of benchmark 2: their URLs were checked (downloads before timing, "
            "a URL for the right key on every invocation).",
            "Counted by the emulator, not by the handlers: moto's own record of the sessions it issued for account "
            "A's role, filtered by each handler's RoleSessionName, before the first and after the "
            f"{window:,}th invocation.",
        ],
        method=[
            f"Each handler starts as in a new Lambda execution environment; the window is its first {window:,} "
            "invocations, the cold first one included.",
            "xpresign caches the role session for the life of the process and refreshes it ahead of expiry "
            "(advisory refresh 15 minutes before, mandatory 10 minutes before); the run is far shorter than the "
            "one-hour session, so one call is the expected count.",
        ],
        targets=[target],
        draw=lambda figure: simple_bars(
            figure.add_subplot(),
            ["xpresign", "guide's handler"],
            [max(x, 0.1), max(g, 0.1)],  # a count of 0 cannot sit on a log scale
            [XPRESIGN_COLOUR, OTHER_COLOUR],
            ylabel=f"AssumeRole calls over {window:,} invocations (log scale)",
            labels=lambda v: f"{v:,.0f}",
        ),
    )
    if not target.passed:
        built.notes.append(
            f"Expected exactly 1 and {window:,}. A profile cannot explain a call count: look for a session "
            "cache miss in xpresign (credentials rejected as too short-lived, or the handler rebuilt) or, "
            "for the guide, failed invocations."
        )
    return built
