/**
 * Memory with a lifetime. Every buffer `zeros()` makes while a MemoryScope runs belongs to that
 * scope (the innermost one); `release()` hands the scope's arena blocks back for reuse (arena.ts).
 * A model, a learner or a whole job each can be one scope:
 *
 *   const scope = new MemoryScope('job');
 *   try { scope.run(() => train(buildModel(), buildLearner())); } finally { scope.release(); }
 *
 * After `release` the scope's buffers must not be used again: their memory is another
 * object's next. Buffers made outside every scope live as long as the process, as before.
 * Scopes are per thread and synchronous (`run` takes a function that returns, not a promise).
 * Only arena blocks are tracked; heap typed arrays are left to the garbage collector.
 */
import type { Arena, BlockOwner } from './arena.js';

const running: MemoryScope[] = [];

/** The scope new buffers belong to, or null outside every scope. */
export function currentScope(): MemoryScope | null {
  return running.length === 0 ? null : running[running.length - 1]!;
}

export class MemoryScope implements BlockOwner {
  private arena: Arena | null = null;
  private readonly addresses: number[] = [];
  private readonly sizes: number[] = [];
  private released = false;

  constructor(readonly label: string) {}

  /** Runs fn with this scope current: the buffers it makes belong to the scope. */
  run<T>(fn: () => T): T {
    if (this.released) throw new Error(`memory scope '${this.label}' was released: make a new one`);
    running.push(this);
    try {
      return fn();
    } finally {
      running.pop();
    }
  }

  /** Called by the arena for each block made while the scope runs. */
  own(arena: Arena, address: number, reserved: number): void {
    this.arena = arena;
    this.addresses.push(address);
    this.sizes.push(reserved);
  }

  /** Arena bytes the scope holds. */
  get bytes(): number {
    return this.sizes.reduce((sum, size) => sum + size, 0);
  }

  /** Hands every block back; the scope's buffers must not be used afterwards. Idempotent. */
  release(): void {
    if (this.released) return;
    this.released = true;
    const { arena, addresses, sizes } = this;
    if (arena !== null) for (let i = 0; i < addresses.length; i++) arena.release(addresses[i]!, sizes[i]!);
    addresses.length = 0;
    sizes.length = 0;
  }
}
