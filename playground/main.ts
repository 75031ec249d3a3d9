/**
 * The playground page: settings on the left, the learners' race on the right. Each learner runs
 * in its own Web Worker (worker.ts) on the same stream; this file only draws what they report
 * and sends them the buttons' orders. Built by scripts/build-playground.mjs into one HTML file
 * that opens from file:// (the worker's code travels inside it as a string, started from a Blob).
 */
import uPlot from 'uplot';
import { bytesText } from '../src/report/table.js';
import { csvColumn, parseCsv } from '../src/tasks/csv.js';
import type { LearnerKind } from '../src/kinds/learners.js';
import { BLOCK, type FromWorker, type LearnerSetup, type Progress, type ToWorker } from './protocol.js';
import { CEILING, LossCurve, binWidth, binned, logRange } from './curves.js';
import { drifted } from './streams.js';
import { DEFAULT_SETTINGS, LEARNER_NOTES, MAX_LEARNERS, STREAM_LABELS, parseLearner, sameShape, settingsFromHash, settingsToHash, type Settings, type StreamKind, type StreamSpec } from './settings.js';
import { loadSession, saveSession, type SavedSession } from './session.js';

declare const WORKER_SOURCE: string;

const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd'];
const REDRAW_MS = 250;
const SESSION_MS = 10_000;
/** The name a checkpoint from IndexedDB goes by in messages. */
const SESSION_NAME = 'the last session';

const $ = <T extends HTMLElement>(id: string): T => {
  const element = document.getElementById(id);
  if (element === null) throw new Error(`playground: #${id} is missing from the page`);
  return element as T;
};

/** One learner on the page: its worker, its card and what it reported last. */
class Lane {
  readonly worker: Worker;
  readonly curve = new LossCurve();
  last: Progress | null = null;
  title = '';
  model = '';
  error = '';
  readonly card: HTMLElement;
  readonly chart: uPlot;
  /** Saves asked for and not yet answered, in order (the worker answers in order). */
  private readonly pending: Array<(bytes: Uint8Array) => void> = [];

  constructor(
    readonly index: number,
    readonly spec: string,
    setup: LearnerSetup,
    onChange: () => void,
  ) {
    this.worker = new Worker(workerUrl());
    this.worker.onmessage = (event: MessageEvent<FromWorker>) => {
      const message = event.data;
      switch (message.type) {
        case 'ready':
          this.title = message.title;
          this.model = message.model;
          break;
        case 'progress':
          this.last = message;
          this.curve.add(message.blocks.loss);
          break;
        case 'saved':
          this.pending.shift()?.(message.bytes);
          break;
        case 'opened':
          this.curve.truncate(message.step);
          this.error = '';
          if (message.name !== SESSION_NAME) announce(`Learner ${this.index + 1} continues from the checkpoint at step ${message.step.toLocaleString('en-US')}.`);
          break;
        case 'error':
          this.error = message.message;
          announce(`Learner ${this.index + 1} (${this.spec}): ${message.message}`, true);
          break;
      }
      onChange();
    };
    this.worker.onerror = (event) => {
      this.error = event.message;
      announce(`Learner ${this.index + 1}: ${event.message}`, true);
    };
    this.card = learnerCard(this);
    this.chart = predictionChart(this.card.querySelector('.prediction') as HTMLElement, COLOURS[index]!);
    this.send({ type: 'start', setup });
  }

  send(message: ToWorker, transfer: Transferable[] = []): void {
    this.worker.postMessage(message, transfer);
  }

  save(what: 'checkpoint' | 'model'): Promise<Uint8Array> {
    return new Promise((resolve) => {
      this.pending.push(resolve);
      this.send({ type: 'save', what });
    });
  }

  stop(): void {
    this.worker.terminate();
    this.chart.destroy();
    this.card.remove();
  }
}

let workerBlobUrl: string | null = null;
function workerUrl(): string {
  workerBlobUrl ??= URL.createObjectURL(new Blob([WORKER_SOURCE], { type: 'text/javascript' }));
  return workerBlobUrl;
}

// ---------------------------------------------------------------- state

let settings: Settings = DEFAULT_SETTINGS;
let lanes: Lane[] = [];
let running = false;
let drifts: number[] = [];
let stream: StreamSpec = settings.stream;
let lossChart: uPlot | null = null;
let dirty = true;

function announce(text: string, error = false): void {
  const status = $('status');
  status.textContent = text;
  status.classList.toggle('error', error);
}

// ---------------------------------------------------------------- the form

function readForm(): Settings {
  const kind = ($('stream-kind') as HTMLSelectElement).value as StreamKind;
  const parameter = Number(($('stream-parameter') as HTMLInputElement).value);
  let next: StreamSpec;
  switch (kind) {
    case 'sine':
      next = { kind, period: parameter };
      break;
    case 'mackeyGlass':
      next = { kind, tau: parameter };
      break;
    case 'anbn':
      next = { kind, max: parameter };
      break;
    case 'copy':
    case 'influence':
      next = { kind };
      break;
    case 'values':
    case 'text':
      if (settings.stream.kind !== kind) throw new RangeError(`drop a ${kind === 'text' ? 'text' : 'CSV'} file on the page${kind === 'values' ? ' or draw values' : ''} first`);
      next = settings.stream;
      break;
  }
  const learners = [...document.querySelectorAll<HTMLInputElement>('.learner-spec')].map((input) => input.value.trim()).filter((text) => text !== '');
  if (learners.length === 0 || learners.length > MAX_LEARNERS) throw new RangeError(`give 1 to ${MAX_LEARNERS} learners`);
  learners.forEach(parseLearner);
  const hidden = Number(($('cell-hidden') as HTMLInputElement).value);
  const layers = Number(($('cell-layers') as HTMLInputElement).value);
  const seed = Number(($('seed') as HTMLInputElement).value);
  if (!Number.isInteger(hidden) || hidden < 1 || hidden > 256) throw new RangeError('hidden size: an integer from 1 to 256');
  if (!Number.isInteger(layers) || layers < 1 || layers > 3) throw new RangeError('layers: 1, 2 or 3');
  if (!Number.isInteger(seed) || seed < 0) throw new RangeError('seed: a non-negative integer');
  return { stream: next, cell: ($('cell-kind') as HTMLSelectElement).value as Settings['cell'], hidden, layers, learners, seed };
}

function writeForm(value: Settings): void {
  ($('stream-kind') as HTMLSelectElement).value = value.stream.kind;
  showStreamParameter(value.stream);
  ($('cell-kind') as HTMLSelectElement).value = value.cell;
  ($('cell-hidden') as HTMLInputElement).value = String(value.hidden);
  ($('cell-layers') as HTMLInputElement).value = String(value.layers);
  ($('seed') as HTMLInputElement).value = String(value.seed);
  const list = $('learner-list');
  list.replaceChildren();
  value.learners.forEach((spec) => addLearnerRow(spec));
}

function showStreamParameter(spec: StreamSpec): void {
  const input = $('stream-parameter') as HTMLInputElement;
  const label = $('stream-parameter-label');
  const row = $('stream-parameter-row');
  const parameter = spec.kind === 'sine' ? ['period (steps)', spec.period] : spec.kind === 'mackeyGlass' ? ['delay τ', spec.tau] : spec.kind === 'anbn' ? ['longest n', spec.max] : null;
  row.hidden = parameter === null;
  if (parameter !== null) {
    label.textContent = String(parameter[0]);
    input.value = String(parameter[1]);
  }
}

function defaultStream(kind: StreamKind): StreamSpec {
  switch (kind) {
    case 'sine':
      return { kind, period: 40 };
    case 'mackeyGlass':
      return { kind, tau: 17 };
    case 'anbn':
      return { kind, max: 16 };
    case 'copy':
    case 'influence':
      return { kind };
    case 'values':
    case 'text':
      return settings.stream;
  }
}

function addLearnerRow(spec: string): void {
  const list = $('learner-list');
  if (list.children.length >= MAX_LEARNERS) return;
  const n = list.children.length + 1;
  const row = document.createElement('li');
  const id = `learner-spec-${n}-${Math.random().toString(36).slice(2, 7)}`;
  row.innerHTML = `<label for="${id}">Learner ${n}</label><input id="${id}" class="learner-spec" spellcheck="false" autocomplete="off"><button type="button" class="remove" aria-label="Remove learner ${n}">✕</button>`;
  (row.querySelector('input') as HTMLInputElement).value = spec;
  (row.querySelector('.remove') as HTMLButtonElement).onclick = () => {
    if (list.children.length > 1) row.remove();
    ($('add-learner') as HTMLButtonElement).disabled = list.children.length >= MAX_LEARNERS;
  };
  list.append(row);
  ($('add-learner') as HTMLButtonElement).disabled = list.children.length >= MAX_LEARNERS;
}

// ---------------------------------------------------------------- runs

function start(next: Settings, options: { run?: boolean; checkpoints?: ReadonlyArray<Uint8Array | null>; curves?: SavedSession['curves']; drifts?: readonly number[] } = {}): void {
  for (const lane of lanes) lane.stop();
  settings = next;
  stream = next.stream;
  drifts = [...(options.drifts ?? [])];
  history.replaceState(null, '', `#${settingsToHash(next)}`);
  const grid = $('learners');
  lanes = next.learners.map((spec, i) => {
    const lane = new Lane(i, spec, { stream: next.stream, cell: next.cell, hidden: next.hidden, layers: next.layers, learner: spec, seed: next.seed }, () => (dirty = true));
    grid.append(lane.card);
    const checkpoint = options.checkpoints?.[i];
    if (checkpoint) lane.send({ type: 'open', bytes: checkpoint, name: SESSION_NAME });
    const curve = options.curves?.[i];
    if (curve !== undefined) lane.curve.restore(curve.width, curve.losses);
    return lane;
  });
  rebuildLossChart();
  setRunning(options.run ?? false);
  ($('link') as HTMLAnchorElement).href = `#${settingsToHash(next)}`;
  $('stream-title').textContent = STREAM_LABELS[next.stream.kind];
  dirty = true;
}

function setRunning(value: boolean): void {
  running = value;
  for (const lane of lanes) lane.send({ type: value ? 'run' : 'pause' });
  const button = $('run') as HTMLButtonElement;
  button.textContent = value ? 'Pause' : 'Run';
  button.setAttribute('aria-pressed', String(value));
}

function leaderStep(): number {
  return Math.max(0, ...lanes.map((lane) => lane.last?.step ?? 0));
}

/** Every learner switches to `next` at the same point of the stream: the leader's current step. */
function drift(next: StreamSpec): void {
  const at = leaderStep();
  for (const lane of lanes) lane.send({ type: 'drift', at, stream: next });
  stream = next;
  drifts.push(at);
  announce(`The stream changes at step ${at.toLocaleString('en-US')}: ${describeStream(next)}.`);
  $('stream-title').textContent = `${STREAM_LABELS[next.kind]} — drifted`;
  dirty = true;
}

function describeStream(spec: StreamSpec): string {
  switch (spec.kind) {
    case 'sine':
      return `sine, period ${spec.period}`;
    case 'mackeyGlass':
      return `Mackey–Glass, τ = ${spec.tau}`;
    case 'anbn':
      return `aⁿbⁿ, n ≤ ${spec.max}`;
    case 'values':
    case 'text':
      return spec.name;
    default:
      return STREAM_LABELS[spec.kind];
  }
}

// ---------------------------------------------------------------- charts

function rebuildLossChart(): void {
  lossChart?.destroy();
  const host = $('loss-chart');
  const series: uPlot.Series[] = [{ label: 'step' }, ...lanes.map((lane, i) => ({ label: `${i + 1}: ${lane.spec}`, stroke: COLOURS[i]!, width: 2, spanGaps: true, value: (_: uPlot, v: number | null) => (v === null ? '–' : v.toPrecision(3)) }))];
  lossChart = new uPlot(
    {
      title: 'Prequential loss (each step tested before it trains), log scale',
      width: Math.max(320, host.clientWidth),
      height: 300,
      scales: { x: { time: false }, y: { distr: 3, range: (_chart: uPlot, min: number | null, max: number | null) => logRange(min, max) } },
      axes: [
        { label: 'stream step', stroke: '#333', grid: { stroke: '#eee' } },
        { label: lossUnit(), stroke: '#333', grid: { stroke: '#eee' }, size: 70, values: (_chart: uPlot, splits: Array<number | null>) => splits.map(decade) },
      ],
      series,
      legend: { live: true },
      hooks: { draw: [drawDrifts] },
    },
    [[], ...lanes.map(() => [])] as unknown as uPlot.AlignedData,
    host,
  );
}

/** A log axis' tick: 0.01 … 100 as written, smaller and larger as 1e-4, 1e+3 (null: a split uPlot leaves unlabelled). */
function decade(value: number | null): string {
  if (value === null) return '';
  return value >= 0.01 && value <= 100 ? String(value) : value.toExponential(0);
}

function lossUnit(): string {
  const kind = settings.stream.kind;
  return kind === 'copy' || kind === 'anbn' || kind === 'text' ? 'loss (nats per symbol)' : kind === 'influence' ? 'loss (squared error)' : 'loss (MSE, standardised)';
}

/** Dashed lines where the stream changed. */
function drawDrifts(chart: uPlot): void {
  const context = chart.ctx;
  context.save();
  context.strokeStyle = '#b8860b';
  context.setLineDash([6, 4]);
  context.lineWidth = 2;
  for (const at of drifts) {
    const x = chart.valToPos(at, 'x', true);
    if (x < chart.bbox.left || x > chart.bbox.left + chart.bbox.width) continue;
    context.beginPath();
    context.moveTo(x, chart.bbox.top);
    context.lineTo(x, chart.bbox.top + chart.bbox.height);
    context.stroke();
  }
  context.restore();
}

function predictionChart(host: HTMLElement, colour: string): uPlot {
  return new uPlot(
    {
      width: Math.max(260, host.clientWidth || 300),
      height: 150,
      scales: { x: { time: false }, y: { range: (_chart: uPlot, min: number | null, max: number | null) => outputRange(min, max) } },
      axes: [
        { label: 'stream step', stroke: '#333', grid: { stroke: '#eee' }, size: 36, labelSize: 18 },
        { label: 'output', stroke: '#333', grid: { stroke: '#eee' }, size: 44, labelSize: 18, space: 18 },
      ],
      series: [{ label: 'step' }, { label: 'target', stroke: '#222', width: 1.5, dash: [4, 3] }, { label: 'prediction', stroke: colour, width: 2 }],
      legend: { live: false },
    },
    [[], [], []],
    host,
  );
}

/**
 * The prediction chart's y range, at least a millionth of the values' size wide: a learner that
 * has converged (RTRL on influence balancing) predicts its targets to the last bits, and uPlot's
 * linear ticks over a span float64 cannot step through never end ("Invalid array length").
 */
function outputRange(min: number | null, max: number | null): [number, number] {
  if (min === null || max === null) return [0, 1];
  const middle = (min + max) / 2;
  const half = Math.max((max - min) * 0.55, Math.abs(middle) * 1e-6, 1e-9);
  return [middle - half, middle + half];
}

function redraw(): void {
  if (!dirty) return;
  dirty = false;
  const curves = lanes.map((lane) => lane.curve);
  const longest = Math.max(0, ...curves.map((curve) => curve.steps));
  const width = binWidth(curves);
  const bins = Math.floor(longest / width);
  const x = Array.from({ length: bins }, (_, j) => (j + 1) * width);
  lossChart?.setData([x, ...lanes.map((lane) => binned(lane.curve, width, bins))] as unknown as uPlot.AlignedData);
  $('loss-chart').classList.toggle('empty', longest === 0);
  for (const lane of lanes) updateCard(lane);
  $('leader-step').textContent = leaderStep().toLocaleString('en-US');
}

// ---------------------------------------------------------------- learner cards

function learnerCard(lane: Lane): HTMLElement {
  const spec = parseLearner(lane.spec);
  const notes = LEARNER_NOTES[spec.config.kind as LearnerKind];
  const card = document.createElement('article');
  card.className = 'learner';
  card.style.setProperty('--colour', COLOURS[lane.index]!);
  card.setAttribute('aria-labelledby', `lane-${lane.index}-name`);
  card.innerHTML = `
    <header><span class="swatch" aria-hidden="true"></span><h3 id="lane-${lane.index}-name">${lane.index + 1}. ${escapeHtml(notes.name)} <code>${escapeHtml(lane.spec)}</code></h3></header>
    <p class="what">${escapeHtml(notes.what)}</p>
    <p class="cost"><strong>Per step:</strong> ${escapeHtml(notes.cost)}</p>
    <dl class="stats">
      <div><dt>step</dt><dd data-stat="step">0</dd></div>
      <div><dt>steps/s</dt><dd data-stat="speed">–</dd></div>
      <div><dt>loss</dt><dd data-stat="loss">–</dd></div>
      <div><dt>state</dt><dd data-stat="state">–</dd></div>
    </dl>
    <p class="model" data-stat="model"></p>
    <figure><div class="prediction" role="img" aria-label="Predictions of learner ${lane.index + 1} against the targets, last steps"></div>
      <figcaption data-stat="caption">prediction vs target, last steps</figcaption></figure>
    <p class="error" data-stat="error" role="alert"></p>
    <div class="files">
      <button type="button" data-action="checkpoint">Download checkpoint</button>
      <button type="button" data-action="model">Download model</button>
      <label class="open">Open checkpoint…<input type="file" accept=".tar,application/x-tar" data-action="open"></label>
    </div>`;
  (card.querySelector('[data-action=checkpoint]') as HTMLButtonElement).onclick = () => download(lane, 'checkpoint');
  (card.querySelector('[data-action=model]') as HTMLButtonElement).onclick = () => download(lane, 'model');
  const input = card.querySelector('[data-action=open]') as HTMLInputElement;
  input.onchange = async () => {
    const file = input.files?.[0];
    if (file === undefined) return;
    const bytes = new Uint8Array(await file.arrayBuffer());
    lane.send({ type: 'open', bytes, name: file.name }, [bytes.buffer]);
    input.value = '';
  };
  return card;
}

function updateCard(lane: Lane): void {
  const set = (stat: string, text: string) => {
    const element = lane.card.querySelector(`[data-stat=${stat}]`);
    if (element !== null && element.textContent !== text) element.textContent = text;
  };
  const last = lane.last;
  set('step', (last?.step ?? 0).toLocaleString('en-US'));
  set('speed', last === null || !Number.isFinite(last.stepsPerSecond) ? '–' : Math.round(last.stepsPerSecond).toLocaleString('en-US'));
  set('loss', lossText(lane));
  set('state', last === null ? '–' : bytesText(last.stateBytes));
  set('model', lane.model);
  set('error', lane.error);
  set('caption', last?.categorical ? 'probability given to the symbol that came (target: 1), last steps' : 'prediction vs target, last steps');
  const hasData = last !== null && last.recent.step.length > 0;
  lane.card.querySelector('.prediction')!.classList.toggle('empty', !hasData);
  // A diverged learner's predictions overflow: uPlot's axes cannot span them, so they are left out.
  const drawable = (values: number[]) => values.map((v) => (Number.isFinite(v) && Math.abs(v) < 1e30 ? v : null));
  if (hasData) lane.chart.setData([last.recent.step, drawable(last.recent.target), drawable(last.recent.prediction)] as unknown as uPlot.AlignedData);
}

/** The card's loss: the latest bin mean, or 'diverged' once the learner stopped on a non-finite value or its loss ran past what the chart draws. */
function lossText(lane: Lane): string {
  const latest = lane.curve.latest();
  if (/diverged/.test(lane.error) || (!Number.isNaN(latest) && !(latest <= CEILING))) return 'diverged';
  return Number.isFinite(latest) ? latest.toPrecision(3) : '–';
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

// ---------------------------------------------------------------- files

async function download(lane: Lane, what: 'checkpoint' | 'model'): Promise<void> {
  const bytes = await lane.save(what);
  const step = lane.last?.step ?? 0;
  const name = `online-rnn-${lane.spec.replace(/[^a-z0-9=.-]+/gi, '_')}-${what}-step${step}.tar`;
  const url = URL.createObjectURL(new Blob([bytes as BlobPart], { type: 'application/x-tar' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  announce(`Saved ${name} (${bytesText(bytes.length)}): unpack with tar -xf for the command line.`);
}

/** A dropped file: a CSV's last numeric column, or any other text as characters. */
async function useFile(file: File): Promise<void> {
  const text = await file.text();
  let next: StreamSpec;
  if (/\.csv$/i.test(file.name)) {
    const { column, values } = lastNumericColumn(text, file.name);
    next = { kind: 'values', name: `${file.name}, column ${column}`, values };
  } else {
    if (text.length < 2) throw new RangeError(`${file.name}: too short to learn from`);
    next = { kind: 'text', name: file.name, text: text.slice(0, 1_000_000) };
  }
  useStream(next);
}

/** The right-most column of a CSV whose every value is a number (a price after its date, say). */
function lastNumericColumn(text: string, source: string): { column: string; values: number[] } {
  const header = (parseCsv(text, source)[0] ?? []).map((name) => name.trim());
  let problem = `${source} has no header row`;
  for (const column of [...header].reverse()) {
    try {
      return { column, values: Array.from(csvColumn(text, column, source)) };
    } catch (error) {
      problem = (error as Error).message;
    }
  }
  throw new RangeError(`${source}: no column holds only numbers (${problem})`);
}

/** A new stream: a drift when the model fits it, else a new run. */
function useStream(next: StreamSpec): void {
  if (lanes.length > 0 && sameShape(stream, next) && leaderStep() > 0) {
    settings = { ...settings, stream: next };
    ($('stream-kind') as HTMLSelectElement).value = next.kind;
    showStreamParameter(next);
    drift(next);
  } else {
    settings = { ...settings, stream: next };
    ($('stream-kind') as HTMLSelectElement).value = next.kind;
    showStreamParameter(next);
    start(settings, { run: running });
    announce(`New run on ${describeStream(next)}.`);
  }
}

// ---------------------------------------------------------------- drawing a series with the mouse

function setUpDrawing(): void {
  const canvas = $('draw') as HTMLCanvasElement;
  const context = canvas.getContext('2d')!;
  const points: Array<[number, number]> = [];
  let drawing = false;
  const position = (event: PointerEvent): [number, number] => {
    const box = canvas.getBoundingClientRect();
    return [(event.clientX - box.left) / box.width, 1 - (event.clientY - box.top) / box.height];
  };
  const paint = () => {
    context.clearRect(0, 0, canvas.width, canvas.height);
    context.strokeStyle = '#1f77b4';
    context.lineWidth = 2;
    context.beginPath();
    points.forEach(([x, y], i) => (i === 0 ? context.moveTo(x * canvas.width, (1 - y) * canvas.height) : context.lineTo(x * canvas.width, (1 - y) * canvas.height)));
    context.stroke();
  };
  canvas.onpointerdown = (event) => {
    drawing = true;
    points.length = 0;
    canvas.setPointerCapture(event.pointerId);
    points.push(position(event));
  };
  canvas.onpointermove = (event) => {
    if (!drawing) return;
    points.push(position(event));
    paint();
  };
  canvas.onpointerup = () => {
    drawing = false;
    const values = resample(points, 200);
    if (values === null) {
      announce('Draw a curve from left to right across the box.', true);
      return;
    }
    useStream({ kind: 'values', name: 'drawn with the mouse', values });
  };
}

/** y at n evenly spaced x, linearly interpolated between the drawn points (sorted by x). */
function resample(points: ReadonlyArray<[number, number]>, n: number): number[] | null {
  const sorted = [...points].sort((a, b) => a[0] - b[0]);
  if (sorted.length < 3 || sorted[sorted.length - 1]![0] - sorted[0]![0] < 0.3) return null;
  const [x0, x1] = [sorted[0]![0], sorted[sorted.length - 1]![0]];
  const out: number[] = [];
  let k = 0;
  for (let i = 0; i < n; i++) {
    const x = x0 + ((x1 - x0) * i) / (n - 1);
    while (k < sorted.length - 2 && sorted[k + 1]![0] < x) k++;
    const [ax, ay] = sorted[k]!;
    const [bx, by] = sorted[k + 1]!;
    out.push(bx === ax ? ay : ay + ((by - ay) * (x - ax)) / (bx - ax));
  }
  return out;
}

// ---------------------------------------------------------------- the session

async function rememberSession(): Promise<void> {
  if (lanes.length === 0 || leaderStep() === 0) return;
  const checkpoints = await Promise.all(lanes.map((lane) => (lane.error === '' ? lane.save('checkpoint') : Promise.resolve(null))));
  const session: SavedSession = { settings, checkpoints, curves: lanes.map((lane) => ({ width: lane.curve.width, losses: [...lane.curve.losses] })), drifts, savedAt: new Date().toISOString() };
  await saveSession(session);
}

// ---------------------------------------------------------------- wiring

function wire(): void {
  $('stream-kind').onchange = () => {
    const kind = ($('stream-kind') as HTMLSelectElement).value as StreamKind;
    showStreamParameter(defaultStream(kind));
  };
  ($('settings') as HTMLFormElement).onsubmit = (event) => {
    event.preventDefault();
    try {
      start(readForm(), { run: true });
      announce('Started.');
    } catch (error) {
      announce((error as Error).message, true);
    }
  };
  $('add-learner').onclick = () => addLearnerRow('nbt');
  $('run').onclick = () => {
    setRunning(!running);
    announce(running ? 'Running: every learner steps through the same stream in its own thread.' : 'Paused.');
  };
  $('step').onclick = () => {
    setRunning(false);
    for (const lane of lanes) lane.send({ type: 'step', n: BLOCK });
  };
  $('reset').onclick = () => start(settings, { run: running });
  $('drift').onclick = () => {
    try {
      const form = readForm().stream;
      const next = JSON.stringify(form) !== JSON.stringify(stream) && sameShape(stream, form) ? form : drifted(stream);
      if (JSON.stringify(next) === JSON.stringify(stream)) {
        announce(`${STREAM_LABELS[stream.kind]} has no other setting to drift to; pick another stream of the same shape.`, true);
        return;
      }
      settings = { ...settings, stream: next };
      showStreamParameter(next);
      drift(next);
    } catch (error) {
      announce((error as Error).message, true);
    }
  };
  $('copy-link').onclick = async () => {
    const url = location.href.split('#')[0] + '#' + settingsToHash(settings);
    try {
      await navigator.clipboard.writeText(url);
      announce('Link copied: it opens these settings.');
    } catch {
      announce(`Link: ${url}`);
    }
  };
  const drop = document.body;
  drop.addEventListener('dragover', (event) => {
    event.preventDefault();
    drop.classList.add('dropping');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('dropping'));
  drop.addEventListener('drop', (event) => {
    event.preventDefault();
    drop.classList.remove('dropping');
    const file = event.dataTransfer?.files[0];
    if (file !== undefined) useFile(file).catch((error: Error) => announce(error.message, true));
  });
  const fileInput = $('data-file') as HTMLInputElement;
  fileInput.onchange = () => {
    const file = fileInput.files?.[0];
    if (file !== undefined) useFile(file).catch((error: Error) => announce(error.message, true));
    fileInput.value = '';
  };
  document.addEventListener('keydown', (event) => {
    const target = event.target as HTMLElement;
    if (target.closest('input, select, textarea, button') !== null || event.ctrlKey || event.metaKey || event.altKey) return;
    const keys: Record<string, string> = { ' ': 'run', s: 'step', d: 'drift', r: 'reset' };
    const id = keys[event.key];
    if (id !== undefined) {
      event.preventDefault();
      ($(id) as HTMLButtonElement).click();
    }
  });
  window.addEventListener('resize', () => {
    lossChart?.setSize({ width: Math.max(320, $('loss-chart').clientWidth), height: 300 });
    for (const lane of lanes) {
      const host = lane.card.querySelector('.prediction') as HTMLElement;
      lane.chart.setSize({ width: Math.max(260, host.clientWidth), height: 150 });
    }
  });
  window.addEventListener('hashchange', () => {
    try {
      const next = settingsFromHash(location.hash);
      if (settingsToHash(next) === settingsToHash(settings)) return;
      writeForm(next);
      start(next, { run: running });
    } catch (error) {
      announce((error as Error).message, true);
    }
  });
  setUpDrawing();
  setInterval(redraw, REDRAW_MS);
  setInterval(() => rememberSession().catch(() => undefined), SESSION_MS);
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'hidden') rememberSession().catch(() => undefined);
  });
}

/** For automation (the tests, the benchmark): a read-only look at the lanes. */
function exposeState(): void {
  (window as unknown as { onlineRnnPlayground: unknown }).onlineRnnPlayground = {
    lanes: () => lanes.map((lane) => ({ spec: lane.spec, step: lane.last?.step ?? 0, stepsPerSecond: lane.last?.stepsPerSecond ?? NaN, stateBytes: lane.last?.stateBytes ?? NaN, losses: [...lane.curve.losses], lossWidth: lane.curve.width, recent: lane.last?.recent ?? null, error: lane.error, running: lane.last?.running ?? false })),
    drifts: () => [...drifts],
    lossChart: () => ({ points: lossChart?.data[0]?.length ?? 0, lastStep: lossChart?.data[0]?.at(-1) ?? 0, yMin: lossChart?.scales['y']?.min ?? null, yMax: lossChart?.scales['y']?.max ?? null }),
    cardLosses: () => lanes.map((lane) => lane.card.querySelector('[data-stat=loss]')?.textContent ?? ''),
    remember: () => rememberSession(),
  };
}

async function main(): Promise<void> {
  wire();
  exposeState();
  if (location.hash.length > 1) {
    try {
      const fromUrl = settingsFromHash(location.hash);
      writeForm(fromUrl);
      start(fromUrl);
      announce('Settings from the link. Press Run (or the space bar).');
      return;
    } catch (error) {
      announce((error as Error).message, true);
    }
  }
  const session = await loadSession().catch(() => undefined);
  if (session !== undefined) {
    writeForm(session.settings);
    start(session.settings, { checkpoints: session.checkpoints, curves: session.curves, drifts: session.drifts });
    announce(`Restored the last session (saved ${new Date(session.savedAt).toLocaleString()}). Press Run to continue.`);
    return;
  }
  writeForm(DEFAULT_SETTINGS);
  start(DEFAULT_SETTINGS);
  announce('Ready. Press Run (or the space bar) to start the learners.');
}

main().catch((error: Error) => announce(error.message, true));
