/**
 * Where the learner table meets the cell table: which online learner can train which model.
 * A learner names the capability it needs (LearnerSpec.needs), a cell what its influence
 * offers (CellSpec.provides); test/kinds/tables.test.ts checks every pair against the learners'
 * own refusals, so the tables cannot drift from the code.
 */
import type { LayerConfig } from '../model/config.js';
import { cellSpec } from './cells.js';
import { learnerSpec, type LearnerConfig } from './learners.js';
import type { Capability } from './spec.js';

/** What the online core of these layers offers: every layer's capabilities, and Kronecker factors only for one layer. */
export function capabilitiesOf(layers: readonly LayerConfig[]): ReadonlySet<Capability> {
  const each = layers.map((layer) => new Set(cellSpec(layer.cell).provides(layer.cell)));
  const all = new Set(each[0]);
  for (const set of each.slice(1)) for (const capability of all) if (!set.has(capability)) all.delete(capability);
  // A stack's layers read different inputs: no one shared z for all its rows.
  if (layers.length > 1) all.delete('kroneckerInfluence');
  // Nor one leak: a stack's lower layers reach the output only through the layers above, which RFLO's trace drops.
  if (layers.length > 1) all.delete('leak');
  return all;
}

/** Whether the learner can train a model of these layers, by the tables (the learners refuse the rest). */
export function supports(config: LearnerConfig, layers: readonly LayerConfig[]): boolean {
  const { needs } = learnerSpec(config);
  return needs === null || capabilitiesOf(layers).has(needs);
}

