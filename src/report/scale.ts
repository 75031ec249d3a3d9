/**
 * The y scale of a chart, chosen from its values so that both a loss falling by decades and a
 * parameter running off to ±10³⁰ (truncated BPTT on influence balancing) stay readable:
 * log for positive values spanning decades, asinh (linear near 0, logarithmic far away) for
 * signed values with outliers, linear otherwise. The SVG figure and the HTML chart (uPlot's
 * distr 1/3/4) use the same choice.
 */
export type Scale = { readonly kind: 'linear' } | { readonly kind: 'log' } | { readonly kind: 'asinh'; readonly linear: number };

export function chooseScale(values: readonly number[]): Scale {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return { kind: 'linear' };
  const min = Math.min(...finite);
  const max = Math.max(...finite);
  if (min > 0 && max / min > 20) return { kind: 'log' };
  const magnitudes = finite.map(Math.abs).filter((v) => v > 0).sort((a, b) => a - b);
  const median = magnitudes[Math.floor(magnitudes.length / 2)] ?? 0;
  if (median > 0 && magnitudes[magnitudes.length - 1]! > 100 * median) {
    return { kind: 'asinh', linear: 10 ** Math.floor(Math.log10(median)) };
  }
  return { kind: 'linear' };
}

/** The value's position on the scale's own linear axis (NaN where it cannot be drawn). */
export function project(scale: Scale, value: number): number {
  switch (scale.kind) {
    case 'linear':
      return value;
    case 'log':
      return value > 0 ? Math.log10(value) : Number.NaN;
    case 'asinh':
      return Math.asinh(value / scale.linear);
  }
}

/** The inverse of `project`. */
export function unproject(scale: Scale, position: number): number {
  switch (scale.kind) {
    case 'linear':
      return position;
    case 'log':
      return 10 ** position;
    case 'asinh':
      return Math.sinh(position) * scale.linear;
  }
}

/** The range of the values padded by 5% on the scale's own axis (as the eye sees it). */
export function paddedRange(scale: Scale, values: readonly number[]): [number, number] {
  const positions = values.map((v) => project(scale, v)).filter(Number.isFinite);
  if (positions.length === 0) return scale.kind === 'log' ? [0.1, 1] : [0, 1];
  let low = Math.min(...positions);
  let high = Math.max(...positions);
  if (low === high) [low, high] = [low - 0.5, high + 0.5];
  const pad = 0.05 * (high - low);
  return [unproject(scale, low - pad), unproject(scale, high + pad)];
}

/** Tick values between min and max (in data units), about `count` of them. */
export function ticks(scale: Scale, min: number, max: number, count = 5): number[] {
  switch (scale.kind) {
    case 'linear':
      return linearTicks(min, max, count);
    case 'log': {
      const out: number[] = [];
      const decades = Math.log10(max / min);
      // Less than a decade: round linear steps read better than one or two powers of ten.
      if (decades < 1) return linearTicks(min, max, 8).filter((v) => v > 0);
      const steps = decades < 2 ? [1, 2, 5] : [1];
      const stride = Math.max(1, Math.ceil(decades / 8));
      for (let k = Math.floor(Math.log10(min)); k <= Math.ceil(Math.log10(max)); k += 1) {
        if (k % stride !== 0 && steps.length === 1) continue;
        for (const s of steps) {
          const v = s * 10 ** k;
          if (v >= min * (1 - 1e-9) && v <= max * (1 + 1e-9)) out.push(v);
        }
      }
      return out;
    }
    case 'asinh': {
      const out = [0];
      const top = Math.max(Math.abs(min), Math.abs(max));
      const decades = Math.log10(top / scale.linear);
      const stride = Math.max(1, Math.ceil(decades / 4));
      for (let k = 0; scale.linear * 10 ** k <= top; k += stride) {
        const v = scale.linear * 10 ** k;
        if (v <= max) out.push(v);
        if (-v >= min) out.unshift(-v);
      }
      return out;
    }
  }
}

/** Ticks for an axis from min to max, none closer than 6% of its length to the one before. */
export function axisTicks(scale: Scale, min: number, max: number): number[] {
  const span = project(scale, max) - project(scale, min);
  const out: number[] = [];
  for (const t of ticks(scale, min, max)) {
    const last = out[out.length - 1];
    if (last === undefined || project(scale, t) - project(scale, last) >= 0.06 * span) out.push(t);
  }
  return out;
}

export function linearTicks(min: number, max: number, count = 5): number[] {
  if (!(max > min)) return [min];
  const raw = (max - min) / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw)!;
  const out: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return out;
}

/** A short label for a tick or a table cell: 3 significant digits, exponents for extremes. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return Number.isNaN(value) ? '–' : value > 0 ? '∞' : '−∞';
  if (value === 0) return '0';
  const magnitude = Math.abs(value);
  if (magnitude >= 1e5 || magnitude < 1e-3) return value.toExponential(1).replace('e+', 'e').replace('-', '−');
  return Number(value.toPrecision(3)).toString().replace('-', '−');
}

/** Step counts on an x axis: 2500, 50k, 1.5M. */
export function formatSteps(steps: number): string {
  if (steps < 10_000) return String(steps);
  if (steps < 1_000_000) return `${Number((steps / 1000).toPrecision(3))}k`;
  return `${Number((steps / 1e6).toPrecision(3))}M`;
}
