/**
 * The arena: where buffers live so the WebAssembly SIMD kernels can read them in place.
 *
 * A WebAssembly kernel can only address its own linear memory, and copying a weight matrix in
 * for each call costs as much as the product itself. So `zeros()` (the single place buffers
 * are made) carves every buffer out of one WebAssembly.Memory, and the kernels receive byte
 * addresses into it. The design around `memory.grow`, which detaches the views of a plain
 * memory's ArrayBuffer:
 *
 *   - preferred: a *shared* memory (initial 16 MiB, maximum 4 GiB reserved up front). Growing a
 *     shared memory never moves or detaches it: old views stay valid, only `memory.buffer`
 *     becomes a new, longer SharedArrayBuffer. We keep every buffer object the memory has had,
 *     so "is this view in the arena?" is a comparison with each (a handful: growth doubles).
 *     A shared memory can also be handed to worker threads (the batch split of bench W2).
 *   - fallback (a browser page without cross-origin isolation has no shared memory): a plain
 *     memory that is never grown, reserved at its full size (256 MiB) when it is made; pages
 *     are only backed by the OS once touched.
 *
 * Allocation bumps a pointer, 64-byte aligned, kept in the memory's first bytes and moved with
 * Atomics, so worker threads that adopt the memory allocate from the same arena (the parallel
 * batch split in src/parallel). Memory is handed back explicitly, never on garbage collection
 * (a buffer's typed array can be dropped while a subarray of it lives on): a buffer made while
 * a MemoryScope runs (scope.ts: a model, a learner, a job) returns to this thread's free lists
 * when the scope is released, and the next request of its size class reuses it. Sizes are
 * rounded up to classes a quarter of a power of two apart (at most 25% slack), so a run that
 * builds the same objects again — the next job of a worker — finds every block it needs.
 * When the arena is full, or WebAssembly is unavailable or switched off, `allocate` returns
 * null and the caller makes an ordinary typed array (dtype.ts says so: a warning, or an error by
 * option): the kernels then take the plain-TypeScript path for that buffer. Correctness never
 * depends on where a buffer lives.
 */
import type { DType, Vec } from './dtype.js';

/** The slice of the WebAssembly JS API the arena uses (typed here: the core has no DOM or Node types). */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Memory: new (descriptor: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory;
}

const PAGE = 65536;
const ALIGN = 64;
const SHARED_INITIAL_PAGES = 256; // 16 MiB
const SHARED_MAXIMUM_PAGES = 65536; // 4 GiB, the wasm32 limit
const PLAIN_PAGES = 4096; // 256 MiB

/** The reserved size of a request of `bytes`: 64-byte aligned, a quarter of a power of two apart above 256 bytes. */
export function sizeClass(bytes: number): number {
  if (bytes <= ALIGN) return bytes === 0 ? 0 : ALIGN;
  const step = Math.max(ALIGN, 2 ** (Math.floor(Math.log2(bytes - 1)) - 2));
  return Math.ceil(bytes / step) * step;
}

/** Who owns an arena block: a MemoryScope records the blocks made while it runs. */
export interface BlockOwner {
  own(arena: Arena, address: number, reserved: number): void;
}

export class Arena {
  /** Every ArrayBuffer object `memory.buffer` has returned in this thread, newest last. */
  private readonly buffers: ArrayBufferLike[];
  /** The bump pointer, kept in the memory's first bytes so every thread sharing it allocates from one. */
  private readonly top: Int32Array;
  /** This thread's released blocks by reserved size: addresses ready for reuse. */
  private readonly free = new Map<number, number[]>();
  private freeTotal = 0;

  private constructor(
    readonly memory: WasmMemory,
    readonly shared: boolean,
    private readonly maximumPages: number,
  ) {
    this.buffers = [memory.buffer];
    this.top = new Int32Array(memory.buffer, 0, 1);
    if (this.top[0] === 0) Atomics.compareExchange(this.top, 0, 0, ALIGN); // a fresh memory: bytes [0, ALIGN) hold the pointer
  }

  /** A shared arena where the platform allows one, else a fixed plain one, else null. */
  static create(): Arena | null {
    const api = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
    if (api === undefined) return null;
    try {
      return new Arena(new api.Memory({ initial: SHARED_INITIAL_PAGES, maximum: SHARED_MAXIMUM_PAGES, shared: true }), true, SHARED_MAXIMUM_PAGES);
    } catch {
      try {
        return new Arena(new api.Memory({ initial: PLAIN_PAGES, maximum: PLAIN_PAGES }), false, PLAIN_PAGES);
      } catch {
        return null;
      }
    }
  }

  /** The arena of a shared memory made by another thread (a worker joining its parent). */
  static adopt(memory: WasmMemory): Arena {
    return new Arena(memory, true, SHARED_MAXIMUM_PAGES);
  }

  /** The newest view of the whole memory (refreshed: another thread may have grown it). */
  get buffer(): ArrayBufferLike {
    const current = this.memory.buffer;
    if (current !== this.buffers[this.buffers.length - 1]) this.buffers.push(current);
    return current;
  }

  /**
   * A zero-filled buffer of n elements in the arena, or null when it does not fit. With an
   * owner, the block goes back to the free lists when the owner is released.
   */
  allocate(dtype: DType, n: number, owner: BlockOwner | null = null): Vec | null {
    const bytes = n * (dtype === 'float64' ? 8 : 4);
    const reserved = sizeClass(bytes);
    const reused = this.free.get(reserved)?.pop();
    let start: number;
    if (reused !== undefined) {
      start = reused;
      this.freeTotal -= reserved;
    } else {
      do {
        start = Atomics.load(this.top, 0);
        if (start + reserved > this.maximumPages * PAGE || start + reserved > 2 ** 31 - ALIGN) return null;
      } while (Atomics.compareExchange(this.top, 0, start, start + reserved) !== start);
      if (start + bytes > this.memory.buffer.byteLength && !this.growTo(start + bytes)) return null; // the reservation is lost: harmless
    }
    const buffer = this.buffer as ArrayBuffer;
    const view = dtype === 'float64' ? new Float64Array(buffer, start, n) : new Float32Array(buffer, start, n);
    if (reused !== undefined) view.fill(0);
    if (owner !== null && reserved > 0) owner.own(this, start, reserved);
    return view;
  }

  /** Hands a block back (its owner is released): the next request of its size class reuses it. */
  release(address: number, reserved: number): void {
    let list = this.free.get(reserved);
    if (list === undefined) this.free.set(reserved, (list = []));
    list.push(address);
    this.freeTotal += reserved;
  }

  /** Bytes waiting in this thread's free lists. */
  get freeBytes(): number {
    return this.freeTotal;
  }

  /** Bytes of the memory itself (what the process holds for the arena). */
  get size(): number {
    return this.memory.buffer.byteLength;
  }

  /** Whether v lives in this arena (then its byteOffset is its address in the memory). */
  owns(v: Vec): boolean {
    const b = v.buffer;
    const buffers = this.buffers;
    for (let i = buffers.length - 1; i >= 0; i--) if (buffers[i] === b) return true;
    return false;
  }

  /** A view of n elements at byte address `address`, e.g. a buffer another thread made. */
  view(dtype: DType, address: number, n: number): Vec {
    const buffer = this.buffer as ArrayBuffer;
    return dtype === 'float64' ? new Float64Array(buffer, address, n) : new Float32Array(buffer, address, n);
  }

  /** Bytes handed out so far (by every thread sharing the memory). */
  get used(): number {
    return Atomics.load(this.top, 0);
  }

  private growTo(bytes: number): boolean {
    if (!this.shared) return false; // growing a plain memory would detach every view
    const need = Math.ceil(bytes / PAGE);
    if (need > this.maximumPages) return false;
    for (;;) {
      const have = this.memory.buffer.byteLength / PAGE;
      if (have >= need) break; // another thread grew it meanwhile
      try {
        this.memory.grow(Math.min(this.maximumPages, Math.max(need, 2 * have)) - have);
      } catch {
        if (this.memory.buffer.byteLength / PAGE >= need) break;
        return false;
      }
    }
    void this.buffer; // remember the new buffer object
    return true;
  }
}
