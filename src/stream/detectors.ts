/**
 * Drift detectors as data, so a run's detector crosses into a worker thread and into its
 * config: `adwin`, `adwin:delta=1e-4`, `page-hinkley:delta=0.05:threshold=100` on the command line.
 */
import { adwin } from './adwin.js';
import { pageHinkley } from './page-hinkley.js';
import type { DriftDetector } from './drift.js';

export type DetectorConfig =
  /** δ of ADWIN's bound (adwin.ts): smaller detects less often and later. */
  | { readonly kind: 'adwin'; readonly delta?: number }
  /** δ and λ of the Page–Hinkley test (page-hinkley.ts). */
  | { readonly kind: 'page-hinkley'; readonly delta?: number; readonly threshold?: number };

export const DETECTOR_KINDS = ['adwin', 'page-hinkley'] as const;

const PARTS: Readonly<Record<DetectorConfig['kind'], readonly string[]>> = { adwin: ['delta'], 'page-hinkley': ['delta', 'threshold'] };

/** `kind[:name=value…]`, each value a number; the detector is built once to check the values. */
export function parseDetector(text: string): DetectorConfig {
  const [kind, ...parts] = text.split(':');
  if (!(DETECTOR_KINDS as readonly string[]).includes(kind!)) throw new RangeError(`unknown drift detector '${kind}' (allowed: ${DETECTOR_KINDS.join(', ')})`);
  const allowed = PARTS[kind as DetectorConfig['kind']];
  const values: Record<string, number> = {};
  for (const part of parts) {
    const [name, value] = part.split('=');
    if (!allowed.includes(name!)) throw new RangeError(`drift detector ${text}: unknown part '${name}' (${kind} takes ${allowed.map((n) => `${n}=…`).join(', ')})`);
    const number = Number(value);
    if (value === undefined || value.trim() === '' || !Number.isFinite(number)) throw new RangeError(`drift detector ${text}: ${name} must be a number, got '${value ?? ''}'`);
    values[name!] = number;
  }
  const config = { kind, ...values } as DetectorConfig;
  createDetector(config);
  return config;
}

export function createDetector(config: DetectorConfig): DriftDetector {
  switch (config.kind) {
    case 'adwin':
      return adwin(config.delta === undefined ? {} : { delta: config.delta });
    case 'page-hinkley':
      return pageHinkley({ ...(config.delta !== undefined ? { delta: config.delta } : {}), ...(config.threshold !== undefined ? { threshold: config.threshold } : {}) });
  }
}

/** The config as `parseDetector` reads it. */
export function detectorText(config: DetectorConfig): string {
  return [config.kind, ...Object.entries(config).filter(([name]) => name !== 'kind').map(([name, value]) => `${name}=${String(value)}`)].join(':');
}
