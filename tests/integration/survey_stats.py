"""The statistics of SPEC §3, computed independently of the C code, for tests that
check served figures: weighted sums, Wilson interval (conftest.wilson), the pooled
two-proportion z-test, minimum detectable change, disclosure control and
complementary suppression."""
import math

from conftest import wilson

MIN_BASE = 10


def active_in_community(a):
    """SPEC §3: yes if any of q01, q02, q23a is yes; no if all three are no."""
    keys = ("q01", "q02", "q23a")
    if any(a.get(k) == "yes" for k in keys):
        return 1
    if all(a.get(k) == "no" for k in keys):
        return 0
    return None


def health_benefit(a):
    """SPEC §3: q24 positive; base: answered q24 (not don't know), plus q23a no."""
    if a.get("q23a") == "no":
        return 0
    if a.get("q23a") == "yes" and a.get("q24") in ("positive", "no_effect", "negative"):
        return 1 if a["q24"] == "positive" else 0
    return None


def sums(bodies, classify):
    """(n, Σw, Σw², Σwy) over the responses in the indicator's base."""
    n, sw, sw2, swy = 0, 0.0, 0.0, 0.0
    for body in bodies:
        y = classify(body["answers"])
        if y is None:
            continue
        w = body.get("weight", 1.0)
        n += 1
        sw += w
        sw2 += w * w
        swy += w * y
    return n, sw, sw2, swy


def proportion(s):
    n, sw, sw2, swy = s
    if n <= 0 or sw <= 0:
        return None
    p = swy / sw
    n_eff = sw * sw / sw2
    lo, hi = wilson(p, n_eff)
    return {"n": n, "value": p, "nEff": n_eff, "ciLow": lo, "ciHigh": hi}


def pooled_z(p0, n0, p1, n1):
    pbar = (n0 * p0 + n1 * p1) / (n0 + n1)
    if pbar <= 0 or pbar >= 1:
        return None
    z = (p1 - p0) / math.sqrt(pbar * (1 - pbar) * (1 / n0 + 1 / n1))
    return math.erfc(abs(z) / math.sqrt(2))


def figure(now, base, is_baseline_round, has_baseline=True):
    """The published fields of one figure, before complementary suppression.
    now/base are sums tuples (base None or (0, …) when the cell has none)."""
    f = proportion(now)
    b = proportion(base) if has_baseline and base else None
    out = {"n": now[0], "value": None, "nEff": None, "ciLow": None, "ciHigh": None,
           "baselineValue": None, "change": None, "pValue": None, "mdc": None}
    small_now = 0 < now[0] < MIN_BASE
    small_base = has_baseline and base is not None and 0 < base[0] < MIN_BASE
    out["suppressed"] = small_now or small_base
    out["reason"] = "small_base" if small_now else "small_baseline" if small_base else None
    if f and not out["suppressed"]:
        out.update({k: f[k] for k in ("value", "nEff", "ciLow", "ciHigh")})
    if f and b and not out["suppressed"]:
        out["baselineValue"] = b["value"]
        n1 = b["nEff"] if is_baseline_round else f["nEff"]
        p0 = b["value"]
        out["mdc"] = 2.8016 * math.sqrt(p0 * (1 - p0) * (1 / b["nEff"] + 1 / n1))
        if not is_baseline_round:
            p = pooled_z(p0, b["nEff"], f["value"], f["nEff"])
            if p is not None:
                out["change"] = f["value"] - p0
                out["pValue"] = p
    return out


def complementary(n, parents):
    """SPEC §3 complementary suppression. n: {child: raw base}; parents: lists of
    children of each published parent, in the order ties are broken. Returns the
    set of children suppressed (primary and complementary)."""
    hidden = {c for c, k in n.items() if k < MIN_BASE}
    changed = True
    while changed:
        changed = False
        for members in parents:
            live = [c for c in members if n[c] > 0]
            if sum(1 for c in live if c in hidden) != 1:
                continue
            rest = [c for c in live if c not in hidden]
            if rest:
                hidden.add(min(rest, key=lambda c: n[c]))  # min keeps the first of a tie
                changed = True
    return hidden


def withhold(fig, by_complement):
    """Applies a complementary suppression to a figure computed by figure()."""
    if by_complement and not fig["suppressed"]:
        fig = dict(fig, suppressed=True, reason="complementary")
    if fig["suppressed"]:
        fig = dict(fig, value=None, nEff=None, ciLow=None, ciHigh=None, baselineValue=None, change=None,
                   pValue=None, mdc=None)
    return fig


def assert_same(got, want, where=""):
    assert got["n"] == want["n"], (where, got, want)
    assert got["suppressed"] == want["suppressed"], (where, got, want)
    assert got.get("suppressionReason") == want["reason"], (where, got, want)
    for key in ("value", "nEff", "ciLow", "ciHigh", "baselineValue", "change", "pValue", "mdc"):
        if want[key] is None:
            assert got[key] is None, (where, key, got, want)
        else:
            assert got[key] is not None and abs(got[key] - want[key]) <= 1e-9 * max(1.0, abs(want[key])), \
                (where, key, got, want)
