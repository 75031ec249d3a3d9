/**
 * What a spec of each kind says about itself. The tables (cells.ts, learners.ts, tasks.ts,
 * optimizers.ts, losses.ts) are closed records of these, typed with `satisfies`, and the
 * config unions, the kind lists, the CLI's flags and help, the interop names and the contract
 * suites' variants are all read from them: a kind missing somewhere is a compile error or a
 * failing test (test/kinds/tables.test.ts), never a silent gap.
 */
import type { DType, Vec } from '../tensor/dtype.js';
import type { Cell } from '../cells/cell.js';

/** A CLI flag that sets one option of a kind; the spec's `parse` validates the value it gives. */
export interface FlagSpec {
  /** Commander's text: '--proj <n>', '--peephole', '--no-bias'. */
  readonly flag: string;
  /** The option of the config it sets. */
  readonly option: string;
  /** How the flag's text becomes the option's JSON value ('switch': present means true). */
  readonly value: 'integer' | 'number' | 'boolean' | 'string' | 'switch';
  readonly help: string;
  /**
   * What the CLI writes when the flag is not given; the run's config.json then says it
   * explicitly (as it always has), whereas the library's default is the option left out.
   */
  readonly cliDefault?: string | number | boolean;
}

/** What a cell's influence offers beyond the Cell contract, and so which learners it supports. */
export type Capability =
  /** CellStep.influence: ∂F/∂θ as rank-one terms (NoBackTrack, SnAp-1). */
  | 'structuredInfluence'
  /** CellStep.influence.kronecker: every parameter row reads one shared input z (KF-RTRL). */
  | 'kroneckerInfluence'
  /** Cell.leakRate with the structured influence: a fixed leak α, s' = (1 − α)⊙s + α⊙G (RFLO). */
  | 'leak';

/** Interop names: the layer a cell maps to in PyTorch and TF.js/Keras, null where there is none. */
export interface Interop {
  readonly pytorch: string | null;
  readonly tfjs: string | null;
}

/** A named config the contract suites run: every table entry offers at least one. */
export interface Example<C> {
  readonly name: string;
  readonly config: C;
}

export interface CellSpec<C extends { readonly kind: string }> {
  /** One line for help and docs. */
  readonly summary: string;
  /** Validates an untrusted config (JSON or flags made JSON); errors name the field at `where`. */
  parse(raw: Record<string, unknown>, where: string): C;
  build(config: C, options: { readonly inputSize: number; readonly dtype: DType }): Cell;
  /** The width of the cell's output h (P for a projected LSTM). */
  outputSize(config: C): number;
  /** `LSTM, hidden 64`: the model's description starts with it. */
  describe(config: C): string;
  /** The CLI flags that set its options (--hidden included where the cell has a hidden size). */
  readonly flags: readonly FlagSpec[];
  readonly interop: Interop;
  /** Which capabilities this config's influence offers (a stack of several layers offers only 'structuredInfluence'). */
  provides(config: C): readonly Capability[];
  /** The recurrent state a run starts from and resets to, when it is not zeros. */
  initialState?(config: C, dtype: DType): Vec;
  readonly examples: readonly Example<C>[];
}

/** The config type a spec parses. */
export type ConfigOf<S> = S extends { parse(raw: Record<string, unknown>, where: string): infer C } ? C : never;
