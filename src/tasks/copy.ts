/**
 * The binary copy task with the curriculum of the KF-RTRL (Mujika, Meier & Steger 2018) and
 * Optimal Kronecker-sum (Benzing et al. 2019) papers.
 *
 * One sequence of length L, over 2L + 2 steps (p = 0 … 2L + 1):
 *   input   marker, b_1 … b_L, then L + 1 blanks          (one-hot over bit 0, bit 1, marker; blank = 0)
 *   target  blanks for L + 1 steps, then the marker, then b_1 … b_L
 * so b_i must be recalled L + 1 steps after it was seen. The curriculum level T starts at 1;
 * each sequence has L = max(1, T − U{0..4}), so shorter lengths keep being rehearsed.
 * After every sequence the running loss a ← 0.9·a + 0.1·(mean loss of its bits, in bits); when
 * a < 0.15 bits, T ← T + 1 and a restarts at 1 bit (the memoryless loss), so each new level is
 * earned by about twenty good sequences at the level before. The metric is T.
 *
 * Note: only the copied bits carry a loss (2-way softmax, targets null elsewhere). The blanks
 * and the marker of the target are predictable without memory of the bits; scoring them would
 * only dilute the per-bit loss the curriculum reads. Each sequence is an episode (reset).
 */
import { crossEntropy } from '../loss/loss.js';
import type { Rng } from '../tensor/rng.js';
import { RecentMean } from './average.js';
import { SnapshotReader, exact, type StreamSnapshot } from './snapshot.js';
import { LN2, type Outcome, type Sample, type Task, type TaskStream } from './task.js';

export interface CopyOptions {
  /** The curriculum's first level T. @default 1 */
  start?: number;
  /** Level up when the running loss per copied bit is below this many bits. @default 0.15 */
  threshold?: number;
  /** Each sequence is max(1, T − U{0..jitter}) long. @default 4 */
  jitter?: number;
}

const MARKER = 2;

export function copyTask(options: CopyOptions = {}): Task {
  const start = options.start ?? 1;
  const threshold = options.threshold ?? 0.15;
  const jitter = options.jitter ?? 4;
  if (!(Number.isInteger(start) && start >= 1)) throw new RangeError(`copy: start must be a positive integer, got ${start}`);
  if (!(threshold > 0 && threshold < 1)) throw new RangeError(`copy: threshold must be in (0, 1) bits, got ${threshold}`);
  if (!(Number.isInteger(jitter) && jitter >= 0)) throw new RangeError(`copy: jitter must be a non-negative integer, got ${jitter}`);
  return {
    kind: 'copy',
    title: `copy (curriculum from T = ${start}, level up below ${threshold} bits, lengths max(1, T − U{0..${jitter}}))`,
    inputSize: 3,
    outputSize: 2,
    loss: crossEntropy,
    metric: { name: 'length T reached', unit: '', better: 'higher' },
    references: [{ axis: 'loss', label: 'memoryless: a coin flip per copied bit (ln 2)', value: LN2 }],
    model: { defaultCell: { kind: 'lstm', hiddenSize: 32 } },
    setting: {
      optimizer: { kind: 'adam', lr: 1e-3 },
      steps: 200_000,
      source: 'KF-RTRL / Optimal Kronecker-sum copy task (their runs: 2M steps, 128 units, batch 16; here batch 1, online)',
    },
    stream: (rng) => new CopyStream(rng, start, threshold, jitter),
  };
}

class CopyStream implements TaskStream {
  private level: number;
  private readonly running = new RecentMean(10);
  private bits = new Uint8Array(64);
  private length = 0;
  /** Position of the next sample in the current sequence, 0 … 2L + 1. */
  private position = 0;
  private bitLoss = 0;
  private lastWasFinal = false;
  private readonly input = new Float64Array(3);
  private readonly target = new Float64Array(1);

  constructor(
    private readonly rng: Rng,
    start: number,
    private readonly threshold: number,
    private readonly jitter: number,
  ) {
    this.level = start;
    this.running.reset(1);
    this.startSequence();
  }

  private startSequence(): void {
    this.length = Math.max(1, this.level - this.rng.int(this.jitter + 1));
    if (this.bits.length < this.length) this.bits = new Uint8Array(2 * this.length);
    for (let i = 0; i < this.length; i++) this.bits[i] = this.rng.int(2);
    this.position = 0;
    this.bitLoss = 0;
  }

  next(): Sample {
    if (this.position > 2 * this.length + 1) this.startSequence();
    const p = this.position++;
    const L = this.length;
    this.input.fill(0);
    if (p === 0) this.input[MARKER] = 1;
    else if (p <= L) this.input[this.bits[p - 1]!] = 1;
    this.lastWasFinal = p === 2 * L + 1;
    let target: Float64Array | null = null;
    if (p >= L + 2) {
      this.target[0] = this.bits[p - L - 2]!;
      target = this.target;
    }
    return { input: this.input, target, reset: p === 0 };
  }

  observe(outcome: Outcome): void {
    if (!Number.isNaN(outcome.loss)) this.bitLoss += outcome.loss / LN2;
    if (!this.lastWasFinal) return;
    this.running.add(this.bitLoss / this.length);
    if (this.running.value < this.threshold) {
      this.level++;
      this.running.reset(1);
    }
  }

  metric(): number {
    return this.level;
  }

  snapshot(): StreamSnapshot {
    return {
      task: 'copy',
      state: {
        rng: [...this.rng.getState()],
        level: this.level,
        running: this.running.snapshot(),
        bits: Array.from(this.bits.subarray(0, this.length)),
        position: this.position,
        bitLoss: exact(this.bitLoss),
      },
    };
  }

  restore(snapshot: StreamSnapshot): void {
    const r = SnapshotReader.of(snapshot, 'copy');
    const rng = r.rng('rng');
    const level = r.integer('level', 1);
    const running = RecentMean.read(r.nested('running'));
    // The sequence was drawn at this level or an earlier one: 1 ≤ L ≤ T.
    const bits = r.integers('bits', [1, level], 0, 1);
    const position = r.integer('position', 0, 2 * bits.length + 2);
    const bitLoss = r.number('bitLoss');
    this.rng.setState(rng);
    this.level = level;
    this.running.setState(running);
    if (this.bits.length < bits.length) this.bits = new Uint8Array(2 * bits.length);
    this.bits.set(bits);
    this.length = bits.length;
    this.position = position;
    this.bitLoss = bitLoss;
  }
}
