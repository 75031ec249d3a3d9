/**
 * The learning rate an optimizer applies at its step t: the base rate η along its schedule
 * (schedule.ts), times a scale that a drift policy may raise for a while (stream/drift.ts).
 * Every optimizer has exactly this, so it is stated once.
 */
import { checkLearningRate, checkRateScale, type OptimizerOptions } from './optimizer.js';
import { checkSchedule, scheduledRate, type Schedule } from './schedule.js';

export abstract class ScheduledRate {
  abstract readonly kind: string;
  readonly lr: number;
  readonly schedule: Schedule;
  /** Steps taken (Adam's bias correction reads it too). */
  protected t = 0;
  private rateScale = 1;

  constructor(kind: string, options: OptimizerOptions) {
    this.lr = checkLearningRate(kind, options.lr);
    this.schedule = checkSchedule(options.schedule ?? { kind: 'constant' });
  }

  currentRate(): number {
    return scheduledRate(this.lr, this.schedule, this.t) * this.rateScale;
  }

  get learningRateScale(): number {
    return this.rateScale;
  }

  setLearningRateScale(scale: number): void {
    this.rateScale = checkRateScale(this.kind, scale);
  }
}
