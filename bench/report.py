"""The table, the ratios to the reference points and the targets of issue 7, from one run."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

Figures = dict[str, dict[str, Any]]

# The in-flight overload run must keep the excess quick: most answers fast, none slow.
OVERLOAD_P50_MS = 25.0
OVERLOAD_P99_MS = 100.0
HALF_RATE_P99_MS = 25.0
# Flat: the median RSS of a soak's last fifth is at most this share of the bound above that of
# its second fifth (the first is warm-up).
FLAT_SHARE_OF_BOUND = 0.1


@dataclass(frozen=True)
class Check:
    target: str
    value: str
    met: bool | None  # None: not measured in this run


def _get(figures: Figures, name: str, key: str) -> float | None:
    value = figures.get(name, {}).get(key)
    return float(value) if isinstance(value, int | float) and not math.isnan(value) else None


def _ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def ratios(figures: Figures) -> dict[str, float | None]:
    out: dict[str, float | None] = {}
    for bodies in ("2kb", "mix"):
        ingress = _get(figures, f"{bodies}.ingress", "rps")
        out[f"{bodies}.ingress/naive"] = _ratio(ingress, _get(figures, f"{bodies}.naive", "rps"))
        out[f"{bodies}.ingress/naive_uvloop"] = _ratio(
            ingress, _get(figures, f"{bodies}.naive_uvloop", "rps")
        )
        out[f"{bodies}.ingress/b1"] = _ratio(ingress, _get(figures, f"{bodies}.b1", "rps"))
        out[f"{bodies}.ingress/b0"] = _ratio(ingress, _get(figures, f"{bodies}.b0", "rps"))
        out[f"{bodies}.naive/b1"] = _ratio(
            _get(figures, f"{bodies}.naive", "rps"), _get(figures, f"{bodies}.b1", "rps")
        )
    out["fetch/serial_bound"] = _ratio(
        _get(figures, "drain_fetch.fetch", "msgs_per_s"),
        _get(figures, "drain_fetch.fetch", "serial_bound_per_s"),
    )
    out["worker/b3"] = _ratio(
        _get(figures, "drain.worker", "msgs_per_s"), _get(figures, "drain.b3", "msgs_per_s")
    )
    return {k: round(v, 3) if v is not None else None for k, v in out.items()}


def checks(figures: Figures) -> list[Check]:
    r = ratios(figures)
    result: list[Check] = []

    def at_least(name: str, target: float) -> None:
        value = r.get(name)
        shown = f"{value:.2f}" if value is not None else "—"
        result.append(
            Check(f"{name} ≥ {target}", shown, None if value is None else value >= target)
        )

    for bodies in ("2kb", "mix"):
        at_least(f"{bodies}.ingress/naive", 1.5)
        at_least(f"{bodies}.ingress/b1", 0.85)
    at_least("worker/b3", 0.9)
    # Fetches answered in 50 ms, overlapped: at least half the default concurrency (8) at once.
    at_least("fetch/serial_bound", 4.0)

    fixed = figures.get("fixed_rate.ingress")
    if fixed is None:
        result.append(Check("half rate: p99 ≤ 25 ms, zero 5xx", "—", None))
    else:
        five = sum(n for s, n in fixed["statuses"].items() if int(s) >= 500)
        result.append(
            Check(
                f"half rate ({fixed['target_rps']}/s): p99 ≤ {HALF_RATE_P99_MS:g} ms, zero 5xx",
                f"p99 {fixed['p99_ms']} ms, {five} 5xx, {fixed['timeouts']} timeouts",
                fixed["p99_ms"] <= HALF_RATE_P99_MS and five == 0 and fixed["timeouts"] == 0,
            )
        )

    over = figures.get("overload.ingress")
    if over is None:
        result.append(Check("past max: excess gets 503 quickly", "—", None))
    else:
        statuses = {int(s): n for s, n in over["statuses"].items()}
        shed = statuses.get(503, 0)
        other_5xx = sum(n for s, n in statuses.items() if s >= 500 and s != 503)
        result.append(
            Check(
                f"past max (offered {over['target_rps']}/s on {over['connections']} connections): "
                f"503s, p50 ≤ {OVERLOAD_P50_MS:g} ms, p99 ≤ {OVERLOAD_P99_MS:g} ms",
                f"{over['rps']}/s accepted ({over['rps'] / (over['target_rps'] / 2):.0%} of "
                f"the maximum), {shed} answered 503, {other_5xx} other 5xx, "
                f"p50 {over['p50_ms']} ms, p99 {over['p99_ms']} ms",
                shed > 0
                and other_5xx == 0
                and over["timeouts"] == 0
                and over["p50_ms"] <= OVERLOAD_P50_MS
                and over["p99_ms"] <= OVERLOAD_P99_MS,
            )
        )

    memory = figures.get("memory.ingress")
    if memory is None:
        result.append(Check("memory within bound and flat", "—", None))
    else:
        flat_judged = memory["seconds"] >= 240
        medians = memory["rss_fifth_medians_mib"]
        growth = medians[-1] - medians[1] if len(medians) == 5 else 0.0
        tolerance = FLAT_SHARE_OF_BOUND * memory["bound_mib"]
        result.append(
            Check(
                f"memory: peak ≤ {memory['bound_mib']} MiB"
                + (
                    f", flat (last fifth's median ≤ second's + {tolerance:.0f} MiB)"
                    if flat_judged
                    else ""
                ),
                f"peak {memory['rss_peak_mib']} MiB, medians by fifth {medians} MiB "
                f"over {memory['seconds']} s",
                memory["rss_peak_mib"] <= memory["bound_mib"]
                and (not flat_judged or growth <= tolerance),
            )
        )
    return result


def table(figures: Figures) -> str:
    rows = [("scenario", "throughput /s", "p50 ms", "p99 ms", "non-2xx", "RSS peak MiB")]
    for name, f in figures.items():
        if name.startswith("alarm."):
            continue  # alarm_table
        rate = f.get("rps", f.get("msgs_per_s", f.get("http_rps", "")))
        rss = f.get("rss_peak_mib", f.get("ingress_rss_peak_mib", ""))
        if name == "e2e":
            rss = f"{f['ingress_rss_peak_mib']} / {f['worker_rss_peak_mib']}"
        rows.append(
            (
                name,
                str(rate),
                str(f.get("p50_ms", "")),
                str(f.get("p99_ms", "")),
                str(f.get("non_2xx", "")),
                str(rss),
            )
        )
    return _columns(rows)


def _columns(rows: Sequence[tuple[str, ...]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [" | ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(lines)


# The alarm scenario's figures (bench/alarm.py), one row each, ingress and N side by side.
ALARM_ROWS = (
    ("RSS at the alarm's start, MiB", "rss_start_mib"),
    ("RSS peak during the alarm, MiB", "rss_alarm_peak_mib"),
    ("RSS at the alarm's end, MiB", "rss_alarm_end_mib"),
    ("RSS medians by fifth of the alarm, MiB", "rss_alarm_fifth_medians_mib"),
    ("still climbing at the end", "rss_still_climbing"),
    ("refused during the alarm", "refused_in_alarm"),
    ("  p50 ms", "refused_in_alarm_p50_ms"),
    ("  p99 ms", "refused_in_alarm_p99_ms"),
    ("  max ms", "refused_in_alarm_max_ms"),
    ("CPU during the alarm, cores", "cpu_share_in_alarm"),
    ("answered 202 (whole run)", "accepted"),
    ("refused (whole run)", "refused"),
    ("stored on the inbound queue", "stored"),
    ("stored beyond the 202s", "stored_beyond_accepted"),
    ("first 202 after the alarm cleared, s", "first_202_after_clear_s"),
)


def alarm_table(figures: Figures) -> str:
    names = [name for name in ("alarm.ingress", "alarm.naive") if name in figures]
    if not names:
        return ""
    rows: list[tuple[str, ...]] = [("alarm", *(name.split(".", 1)[1] for name in names))]
    for label, key in ALARM_ROWS:
        rows.append((label, *(_shown(figures[name].get(key)) for name in names)))
    return _columns(rows)


def _shown(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(_shown(v) for v in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "—" if value is None else str(value)


def summary(figures: Figures) -> str:
    out = [table(figures)]
    alarm = alarm_table(figures)
    if alarm:
        out += ["", alarm]
    out += ["", "ratios:"]
    out += [f"  {k}: {v}" for k, v in ratios(figures).items()]
    out += ["", "targets:"]
    for check in checks(figures):
        mark = {True: "met", False: "MISSED", None: "not run"}[check.met]
        out.append(f"  [{mark}] {check.target}: {check.value}")
    return "\n".join(out)
