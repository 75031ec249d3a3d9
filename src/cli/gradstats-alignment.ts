/**
 * `online-rnn gradstats --alignment`: every learner of the table that can train the model (or
 * those --learners names) runs on one shared stream with θ fixed, and the matrix of normalised
 * dot products between their per-step gradients (learners/alignment.ts) is printed with each
 * learner's cost per step, and written with --report as an HTML heatmap (report/alignment.ts).
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Loss } from '../loss/loss.js';
import type { OnlineModel } from '../model/online.js';
import type { ModelConfig } from '../model/config.js';
import { createLearner, type LearnerConfig } from '../kinds/learners.js';
import { supports } from '../kinds/support.js';
import { alignment, type Alignment } from '../learners/alignment.js';
import type { ReplayStream } from '../learners/gradstats.js';
import { renderAlignmentHtml, renderAlignmentSvg } from '../report/alignment.js';
import { figurePath, writeAtomically } from '../report/write.js';
import { commandLine, versions } from './provenance.js';

export interface AlignmentRun {
  readonly model: OnlineModel;
  readonly config: ModelConfig;
  readonly stream: ReplayStream;
  readonly loss: Loss;
  readonly seed: number;
  /** The learners to compare by name; those that cannot train the model are skipped with their reason. */
  readonly learners: ReadonlyArray<{ readonly name: string; readonly config: LearnerConfig }>;
  readonly report: string | null;
  readonly json: boolean;
}

/** Runs the comparison and prints it; returns what --report wrote. */
export function runAlignment(run: AlignmentRun): void {
  const { model, config, stream, loss, seed } = run;
  const applicable: Array<{ name: string; config: LearnerConfig }> = [];
  const skipped: Array<{ name: string; reason: string }> = [];
  for (const learner of run.learners) {
    const reason = refusal(learner.config, model, config, loss);
    if (reason === null) applicable.push(learner);
    else skipped.push({ name: learner.name, reason });
  }
  const result = alignment(applicable, model, stream, { loss, seed: seed + 2, clock: () => performance.now() });
  const cell = config.layers.map((l) => l.cell.kind).join('+');
  const setting = `${cell}: n = ${model.core.stateSize} state, p = ${model.paramSize} parameters, ${model.dtype}; one stream of ${stream.inputs.length} steps, seed ${seed}; θ fixed`;
  let written: { html: string; svg: string } | null = null;
  if (run.report !== null) {
    const svg = figurePath(run.report);
    mkdirSync(dirname(run.report), { recursive: true });
    const title = `Gradient alignment — ${cell}, hidden ${model.core.outputSize}`;
    writeAtomically(run.report, renderAlignmentHtml(result, { title, setting, command: commandLine(), versions: versions(), skipped }));
    writeAtomically(svg, renderAlignmentSvg(result, title));
    written = { html: run.report, svg };
  }
  if (run.json) {
    const learners = result.names.map((name, a) => ({ learner: name, alignment: Object.fromEntries(result.names.map((other, b) => [other, result.matrix[a]![b]!])), microsecondsPerStep: result.secondsPerStep[a]! * 1e6 }));
    process.stdout.write(JSON.stringify({ setting, steps: { from: result.from, to: result.to }, learners, skipped, report: written }, null, 2) + '\n');
    return;
  }
  process.stdout.write(alignmentTable(result, setting, skipped) + (written === null ? '' : `report: ${written.html} (figure: ${written.svg})\n`));
}

/** Why a learner cannot train this model (the tables' capability, then its own refusal), or null. */
function refusal(learner: LearnerConfig, model: OnlineModel, config: ModelConfig, loss: Loss): string | null {
  if (!supports(learner, config.layers)) return `${learner.kind} needs a capability this model's cells do not offer`;
  try {
    createLearner(learner, model, { loss, optimizer: null });
    return null;
  } catch (error) {
    if (error instanceof TypeError || error instanceof RangeError) return error.message;
    throw error;
  }
}

function alignmentTable(result: Alignment, setting: string, skipped: ReadonlyArray<{ name: string; reason: string }>): string {
  const header = ['', ...result.names, 'µs/step'];
  const rows = result.names.map((name, a) => [name, ...result.matrix[a]!.map((v) => v.toFixed(3)), (result.secondsPerStep[a]! * 1e6).toFixed(1)]);
  const widths = header.map((_, j) => Math.max(...[header, ...rows].map((row) => row[j]!.length)));
  const line = (row: string[]) => row.map((cell, j) => (j === 0 ? cell.padEnd(widths[j]!) : cell.padStart(widths[j]!))).join('  ');
  return [
    setting,
    `normalised dot products ⟨g_a, g_b⟩/(‖g_a‖‖g_b‖) of the per-step gradients, mean over steps ${result.from}–${result.to}`,
    '',
    line(header),
    ...rows.map(line),
    ...skipped.map(({ name, reason }) => `skipped ${name}: ${reason}`),
    '',
  ].join('\n');
}
