// Number formatting and the Markdown tables the run prints (and writes into bench/README.md).

export const kb = (b) => `${(b / 1000).toFixed(1)} kB`;
export const mark = (ok) => (ok ? "✓" : "✗");

/** A number with about three significant digits. */
export function num(x) {
  if (!Number.isFinite(x)) return "n/a";
  const a = Math.abs(x);
  if (a >= 100) return x.toFixed(0);
  if (a >= 10) return x.toFixed(1);
  if (a >= 1) return x.toFixed(2);
  return x.toFixed(3);
}

export const times = (x) => (Number.isFinite(x) ? `${num(x)}×` : "n/a");
/** "p25–p75" of a summary, with a unit suffix. */
export const spread = (s, suffix = "") => (Number.isFinite(s.p25) ? `${num(s.p25)}–${num(s.p75)}${suffix}` : "n/a");
export const mb = (b) => `${(b / 1e6).toFixed(2)} MB`;
export const signedMb = (b) => `${b >= 0 ? "+" : "−"}${(Math.abs(b) / 1e6).toFixed(2)} MB`;

/** A Markdown pipe table with padded columns. */
export function table(header, rows) {
  const w = (s) => [...String(s)].length;
  const widths = header.map((h, i) => Math.max(w(h), ...rows.map((r) => w(r[i] ?? ""))));
  const line = (cells) => `| ${cells.map((c, i) => String(c ?? "") + " ".repeat(widths[i] - w(c ?? ""))).join(" | ")} |`;
  return [line(header), `|${widths.map((n) => "-".repeat(n + 2)).join("|")}|`, ...rows.map(line)].join("\n");
}

/** One figure as Markdown: heading, goal, table, notes. */
export function figureText(f) {
  const out = [`### ${f.id}. ${f.title}`, "", `Goal: ${f.goal}`, "", table(f.header, f.rows)];
  if (f.notes?.length) out.push("", ...f.notes.map((n) => `- ${n}`));
  return out.join("\n");
}
