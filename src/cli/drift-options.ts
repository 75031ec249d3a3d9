/**
 * The drift flags of train and compare: `--drift adwin` (or page-hinkley, with its parameters)
 * watches each run's prequential loss; `--on-drift` says what to do when it fires. The steps it
 * fired at are drawn on the report's curves and listed in --json.
 */
import type { Command } from 'commander';
import { DETECTOR_KINDS, parseDetector, type DetectorConfig } from '../stream/detectors.js';
import { DRIFT_POLICIES, parseDriftPolicy, type DriftPolicy } from '../stream/drift.js';
import { UsageError } from './errors.js';
import type { FlagValues } from './kind-flags.js';

export function addDriftOptions(command: Command): Command {
  return command
    .option('--drift <detector>', `watch the loss for drift: ${DETECTOR_KINDS.join(', ')}, with parameters as adwin:delta=1e-4 or page-hinkley:delta=0.05:threshold=100`)
    .option('--on-drift <policy>', `with --drift, what a detection does: ${DRIFT_POLICIES.join(', ')}, or boost:factor=F:steps=N (the learning rate × F for N steps)`);
}

/** The detector and policy the flags ask for, or undefined without --drift. */
export function driftFromFlags(flags: FlagValues): { detector: DetectorConfig; policy: DriftPolicy } | undefined {
  const { drift, onDrift } = flags;
  if (drift === undefined) {
    if (onDrift !== undefined) throw new UsageError('--on-drift needs --drift (a detector, e.g. --drift adwin)');
    return undefined;
  }
  try {
    return { detector: parseDetector(String(drift)), policy: onDrift === undefined ? 'none' : parseDriftPolicy(String(onDrift)) };
  } catch (error) {
    throw new UsageError(`${onDrift !== undefined && !String(error).includes('detector') ? '--on-drift' : '--drift'}: ${(error as Error).message}`);
  }
}
