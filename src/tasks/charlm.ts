/**
 * Next-character prediction on a corpus (any text, or the UORO paper's anbn and distant
 * brackets languages): x_t is the one-hot of character t, the target is character t + 1, the
 * loss softmax cross-entropy, one endless stream with no episodes.
 *
 * The metric is bits per character, a running average over 5,000 characters. References: the
 * memoryless predictor's loss (the bigram conditional entropy H(c_{t+1} | c_t), exact for a text,
 * measured on 2^18 generated characters for a language) and, for the languages, the analytic
 * optimum in bits/char. The paper's setting: a 64-unit GRU, Adam, η(t) = 10⁻³/(1 + 0.03·√t).
 */
import { crossEntropy } from '../loss/loss.js';
import type { Rng } from '../tensor/rng.js';
import { RecentMean } from './average.js';
import type { Corpus } from './corpus.js';
import { SnapshotReader, type Reader, type StreamSnapshot } from './snapshot.js';
import { LN2, type Outcome, type Reference, type Sample, type Task, type TaskStream } from './task.js';

export function charlmTask(corpus: Corpus): Task {
  const V = corpus.alphabet.length;
  const memoryless = corpus.memoryless;
  const references: Reference[] = [{ axis: 'loss', label: 'memoryless: H(next char | current char)', value: memoryless }];
  references.push({ axis: 'metric', label: 'memoryless (bits/char)', value: memoryless / LN2 });
  if (corpus.optimum !== null) references.push({ axis: 'metric', label: `optimum ${corpus.optimum.toFixed(4)} bits/char`, value: corpus.optimum });
  return {
    kind: 'charlm',
    title: `charlm on ${corpus.name} (${V} characters)`,
    inputSize: V,
    outputSize: V,
    loss: crossEntropy,
    metric: { name: 'bits per character', unit: 'bits/char', better: 'lower' },
    references,
    model: { defaultCell: { kind: 'gru', hiddenSize: 64 } },
    setting: {
      optimizer: { kind: 'adam', lr: 1e-3, schedule: { kind: 'inverseSqrt', decay: 0.03 } },
      steps: 1_000_000,
      source: 'Tallec & Ollivier (ICLR 2018): 64-unit GRU, Adam, η(t) = 1e-3/(1 + 0.03·√t)',
    },
    stream: (rng) => new CharStream(corpus.reader(rng), rng, V),
  };
}

class CharStream implements TaskStream {
  private current: number;
  private readonly bits = new RecentMean(5000);
  private readonly input: Float64Array;
  private readonly target = new Float64Array(1);

  constructor(
    private readonly reader: Reader,
    private readonly rng: Rng,
    alphabetSize: number,
  ) {
    this.input = new Float64Array(alphabetSize);
    this.current = reader.read();
  }

  next(): Sample {
    this.input.fill(0);
    this.input[this.current] = 1;
    this.current = this.reader.read();
    this.target[0] = this.current;
    return { input: this.input, target: this.target, reset: false };
  }

  observe(outcome: Outcome): void {
    this.bits.add(outcome.loss / LN2);
  }

  metric(): number {
    return this.bits.value;
  }

  snapshot(): StreamSnapshot {
    return { task: 'charlm', state: { rng: [...this.rng.getState()], reader: this.reader.snapshot(), current: this.current, bits: this.bits.snapshot() } };
  }

  restore(snapshot: StreamSnapshot): void {
    const r = SnapshotReader.of(snapshot, 'charlm');
    const rng = r.rng('rng');
    const current = r.integer('current', 0, this.input.length - 1);
    const bits = RecentMean.read(r.nested('bits'));
    this.reader.restore(r.nested('reader')); // checks, then takes its state: the last check
    this.rng.setState(rng);
    this.current = current;
    this.bits.setState(bits);
  }
}
