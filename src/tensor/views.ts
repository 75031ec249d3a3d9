/**
 * Named views of a flat buffer without per-step allocation.
 *
 * Cells and stacks receive θ, ∂θ, θ̇ and states as flat buffers and need sub-views of them.
 * `subarray` allocates an object each call, so the views are made once per distinct buffer
 * and remembered: a learner passes the same few buffers every step, so after the first step
 * every lookup is a hit and nothing is allocated.
 */
import type { Vec } from './dtype.js';

export interface Segment {
  readonly offset: number;
  readonly size: number;
}

const REMEMBERED = 8;

export class SegmentViews {
  private readonly buffers: Vec[] = [];
  private readonly views: Vec[][] = [];

  constructor(private readonly segments: readonly Segment[]) {}

  /** The views of `buffer`, one per segment, in segment order. */
  of(buffer: Vec): readonly Vec[] {
    const buffers = this.buffers;
    for (let i = 0; i < buffers.length; i++) if (buffers[i] === buffer) return this.views[i]!;
    const made = this.segments.map(({ offset, size }) => buffer.subarray(offset, offset + size));
    if (buffers.length === REMEMBERED) {
      buffers.shift();
      this.views.shift();
    }
    buffers.push(buffer);
    this.views.push(made);
    return made;
  }
}
