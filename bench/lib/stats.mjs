// Medians, quartiles, and the interleaved-rounds driver every timed figure uses.
import { mulberry32 } from "../../tests/server/openai.mjs";

/** The q-quantile (0..1) of numbers, linear between order statistics. */
export function quantile(xs, q) {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const i = (s.length - 1) * q;
  const lo = Math.floor(i);
  const hi = Math.ceil(i);
  return s[lo] + (s[hi] - s[lo]) * (i - lo);
}

/** `{ median, p25, p75, n }` of numbers. */
export function summary(xs) {
  return { median: quantile(xs, 0.5), p25: quantile(xs, 0.25), p75: quantile(xs, 0.75), n: xs.filter(Number.isFinite).length };
}

/**
 * Runs `rounds` rounds (after `warmup` dropped ones). Each round runs every variant once, in an
 * order shuffled anew each round (a seeded shuffle: the same orders in every run), so each
 * variant follows every other about equally often. (A rotation by one, as before 2026-12-02,
 * keeps the cyclic order: a variant nearly always followed the same one, and the row after raw's
 * parse paid 1.1-3.4 µs/event for it in figure 8; bench/README.md, sixth pass.)
 * `measure(variant, round)` returns a number (or an
 * anything). Returns `{ [variant.name]: value[] }` for kept rounds. A variant whose measure
 * throws is reported to `onError(variant, error)` once and sits out the remaining rounds (NaN),
 * so one broken variant does not stop the others from being measured.
 */
export async function interleave(variants, { rounds, warmup = 0, timeoutMs = 120_000 }, measure, onError = () => {}) {
  const out = Object.fromEntries(variants.map((v) => [v.name, []]));
  const broken = new Set();
  const random = mulberry32(0x5eed);
  for (let r = 0; r < warmup + rounds; r++) {
    const order = shuffled(variants, random);
    for (const v of order) {
      let x = NaN;
      if (!broken.has(v.name)) {
        try {
          x = await withTimeout(measure(v, r), timeoutMs, `${v.name} took over ${timeoutMs / 1000} s`);
        } catch (e) {
          broken.add(v.name);
          onError(v, e);
        }
      }
      if (r >= warmup) out[v.name].push(x);
    }
  }
  return out;
}

/** A copy of `xs` in an order drawn from `random` (Fisher-Yates). */
export function shuffled(xs, random) {
  const out = xs.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** Rejects with `message` when `promise` has not settled within `ms`. */
export function withTimeout(promise, ms, message) {
  let timer;
  const late = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(message)), ms); });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** A one-line description of a thrown value. */
export const errorText = (e) => `threw ${e?.name ?? "error"}: ${String(e?.message ?? e).split("\n")[0]}`;

/** Per-round ratios a[i]/b[i]. */
export function ratios(a, b) {
  return a.map((x, i) => x / b[i]);
}

/** Per-round differences a[i]-b[i]. */
export function diffs(a, b) {
  return a.map((x, i) => x - b[i]);
}

/** High-resolution clock in milliseconds. */
export const now = () => performance.now();
