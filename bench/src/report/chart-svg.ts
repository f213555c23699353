// The chart: join -> every other member notified, p50 and p99, against the set join rate, for rtcroom
// and the floor, on a log scale with the 20 ms and 50 ms targets drawn in. Plain SVG, no library.
import type { TargetKind } from '../system';
import { fmtMs } from './format';
import type { BenchReport } from './model';

interface Series {
  name: string;
  color: string;
  dashed: boolean;
  points: { x: number; y: number }[];
}

const W = 760;
const H = 440;
const PAD = { left: 64, right: 170, top: 40, bottom: 52 };

export function renderChart(report: BenchReport): string | null {
  const series: Series[] = [];
  const add = (kind: TargetKind, pct: 'p50' | 'p99', color: string) => {
    const points = report.churn
      .filter((e) => e.setRate !== null && e.results[kind]?.figures?.joinNotify)
      .map((e) => ({ x: e.setRate!, y: e.results[kind]!.figures!.joinNotify![pct] }))
      .sort((a, b) => a.x - b.x);
    if (points.length > 0) series.push({ name: `${kind === 'rtcroom' ? 'rtcroom' : 'floor'} ${pct}`, color, dashed: pct === 'p99', points });
  };
  add('rtcroom', 'p50', '#1f6feb');
  add('rtcroom', 'p99', '#1f6feb');
  add('floor', 'p50', '#6e7781');
  add('floor', 'p99', '#6e7781');
  if (series.length === 0) return null;

  const all = series.flatMap((s) => s.points);
  const xMax = niceCeil(Math.max(...all.map((p) => p.x)));
  const yValues = [...all.map((p) => Math.max(p.y, 0.01)), 20, 50];
  const yLo = 10 ** Math.floor(Math.log10(Math.min(...yValues)));
  const yHi = 10 ** Math.ceil(Math.log10(Math.max(...yValues)));
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const sx = (x: number) => PAD.left + (x / xMax) * plotW;
  const sy = (y: number) => PAD.top + plotH - ((Math.log10(Math.max(y, yLo)) - Math.log10(yLo)) / (Math.log10(yHi) - Math.log10(yLo))) * plotH;

  const el: string[] = [];
  el.push(`<rect x="0" y="0" width="${W}" height="${H}" fill="#ffffff"/>`);
  el.push(text(W / 2 - PAD.right / 2 + PAD.left / 2, 24, 'join -> every other member notified (ms, log scale) against join rate', 'middle', 15, 'bold'));
  for (let decade = yLo; decade <= yHi; decade *= 10) {
    for (const mult of [1, 2, 5]) {
      const v = decade * mult;
      if (v > yHi) break;
      const y = sy(v);
      el.push(`<line x1="${PAD.left}" y1="${y.toFixed(1)}" x2="${PAD.left + plotW}" y2="${y.toFixed(1)}" stroke="#eaeef2"/>`);
      el.push(text(PAD.left - 8, y + 4, fmtMs(v), 'end', 11));
    }
  }
  for (let i = 0; i <= 5; i++) {
    const v = (xMax / 5) * i;
    const x = sx(v);
    el.push(`<line x1="${x.toFixed(1)}" y1="${PAD.top}" x2="${x.toFixed(1)}" y2="${PAD.top + plotH}" stroke="#eaeef2"/>`);
    el.push(text(x, PAD.top + plotH + 18, String(Math.round(v)), 'middle', 11));
  }
  el.push(`<rect x="${PAD.left}" y="${PAD.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#8c959f"/>`);
  el.push(text(PAD.left + plotW / 2, H - 12, 'set join rate (joins/s)', 'middle', 12));
  el.push(text(16, PAD.top + plotH / 2, 'ms', 'middle', 12));
  for (const [limit, label] of [
    [20, 'target p99 at 500/s: 20 ms'],
    [50, 'knee limit: 50 ms'],
  ] as const) {
    const y = sy(limit);
    el.push(`<line x1="${PAD.left}" y1="${y.toFixed(1)}" x2="${PAD.left + plotW}" y2="${y.toFixed(1)}" stroke="#cf222e" stroke-dasharray="2 4"/>`);
    el.push(text(PAD.left + plotW - 4, y - 4, label, 'end', 10, 'normal', '#cf222e'));
  }
  for (const s of series) {
    const d = s.points.map((p, i) => `${i === 0 ? 'M' : 'L'}${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`).join(' ');
    el.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
    for (const p of s.points) el.push(`<circle cx="${sx(p.x).toFixed(1)}" cy="${sy(p.y).toFixed(1)}" r="3" fill="${s.color}"/>`);
  }
  series.forEach((s, i) => {
    const y = PAD.top + 14 + i * 22;
    const x = PAD.left + plotW + 16;
    el.push(`<line x1="${x}" y1="${y}" x2="${x + 28}" y2="${y}" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
    el.push(text(x + 36, y + 4, s.name, 'start', 12));
  });
  const m = report.meta;
  el.push(text(PAD.left + plotW + 16, PAD.top + 14 + series.length * 22 + 12, `${m.mode} run, ${m.date.slice(0, 10)}`, 'start', 10, 'normal', '#57606a'));
  el.push(text(PAD.left + plotW + 16, PAD.top + 14 + series.length * 22 + 26, `${m.machine.cores} cores, all on one machine`, 'start', 10, 'normal', '#57606a'));
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif">\n${el.join('\n')}\n</svg>\n`;
}

function text(x: number, y: number, content: string, anchor: 'start' | 'middle' | 'end', size: number, weight = 'normal', fill = '#24292f'): string {
  const safe = content.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" text-anchor="${anchor}" font-size="${size}" font-weight="${weight}" fill="${fill}">${safe}</text>`;
}

/** 1, 2 or 5 times a power of ten, at least `value`. */
function niceCeil(value: number): number {
  const p = 10 ** Math.floor(Math.log10(Math.max(value, 1)));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= value) return m * p;
  return 10 * p;
}
