/**
 * A child process for the resume test: trains a learner on a fixed stream, saves a checkpoint
 * after `half` steps, prints every loss as it goes (one JSON number a line, so −0 and NaN are
 * not at stake: losses are finite and positive), and keeps training until it is killed.
 */
import { saveCheckpoint } from '../../src/io/checkpoint.js';
import { parseLearnerConfig } from '../../src/kinds/learners.js';
import { resumeScenario } from './resume-scenario.js';

const [dir, configJson, halfText] = process.argv.slice(2) as [string, string, string];
const half = Number(halfText);
const { model, learner, sample } = resumeScenario(parseLearnerConfig(JSON.parse(configJson)));
for (let t = 0; ; t++) {
  const { x, target } = sample(t);
  const { loss } = learner.step(x, target);
  process.stdout.write(`${loss}\n`);
  if (t + 1 === half) saveCheckpoint(dir, { model, learner, extra: { learner: JSON.parse(configJson), next: half } });
}
