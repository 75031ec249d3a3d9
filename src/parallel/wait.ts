/**
 * How the parallel runners' threads wait for each other on a control word in shared memory.
 *
 * Atomics.wait with a bounded timeout, re-checking the word after each: on Node 20 (V8 11.3) a
 * notify on a WebAssembly.Memory's SharedArrayBuffer was seen lost about once in 10⁴–10⁵
 * hand-offs (bench W3 on two threads hung about 1 run in 10; a probe caught the parent asleep
 * for 3 s with the word it waited on already changed — test/parallel/handoff.test.ts). A bounded wait turns such a loss into a delay of at most
 * RECHECK_MILLISECONDS instead of a hang; a delivered notify still wakes the thread at once.
 */
const RECHECK_MILLISECONDS = 2;

/** Returns once control[index] differs from `value`. */
export function waitWhileEqual(control: Int32Array, index: number, value: number): void {
  while (Atomics.load(control, index) === value) Atomics.wait(control, index, value, RECHECK_MILLISECONDS);
}

/** Returns once control[index] equals `value` (the word only moves toward it). */
export function waitUntilEqual(control: Int32Array, index: number, value: number): void {
  for (let seen = Atomics.load(control, index); seen !== value; seen = Atomics.load(control, index)) {
    Atomics.wait(control, index, seen, RECHECK_MILLISECONDS);
  }
}
