/**
 * Progress on a terminal for work that takes a while: phase lines such as
 * `cdk8s-gitops: validating 28,602 objects…` on stderr, shown only when stderr is a TTY and
 * only once the command has run for a second (quick commands stay silent; stdout is never
 * touched, so `-o json > file` and pipes get exactly the report).
 *
 * The work it reports on is synchronous (reading, rendering, checking, writing block the
 * event loop for seconds), so a timer on the main thread would fire only after it. The clock
 * and the writing live in a small worker thread instead: the main thread posts each phase, the
 * worker prints the current one once the delay has passed (and every later one as it starts).
 * A shared lock makes {@link Progress.stop} wait for a line being written, so no progress
 * line ever follows the command's own output.
 */
import * as fs from 'fs';
import { Worker } from 'worker_threads';

/** Where progress goes: a terminal's file descriptor. */
export interface ProgressStream {
  /** Progress is shown only when this is true. */
  readonly isTTY?: boolean;
  /** The file descriptor lines are written to. */
  readonly fd: number;
}

/** Options of {@link Progress.start}. */
export interface ProgressOptions {
  /**
   * Where to write.
   * @default process.stderr
   */
  readonly stream?: ProgressStream;
  /**
   * Nothing is shown before the command has run this long (milliseconds).
   * @default 1000
   */
  readonly delayMs?: number;
}

// lock word: who may write
const IDLE = 0;
const WRITING = 1;
const STOPPED = 2;

/** The worker: prints the current phase once `delayMs` has passed since `start`, and each later phase at once. */
const WORKER = `
const { parentPort, workerData } = require('worker_threads');
const fs = require('fs');
const { fd, delayMs, start, lock } = workerData;
const state = new Int32Array(lock);
let current;
let due = false;
function show(line) {
  if (Atomics.compareExchange(state, 0, ${IDLE}, ${WRITING}) !== ${IDLE}) return;
  try { fs.writeSync(fd, 'cdk8s-gitops: ' + line + '\\n'); Atomics.store(state, 1, 1); } catch {}
  Atomics.store(state, 0, ${IDLE});
  Atomics.notify(state, 0);
}
const timer = setTimeout(() => { due = true; if (current !== undefined) show(current); }, Math.max(0, start + delayMs - Date.now()));
parentPort.on('message', line => {
  current = line;
  if (due) show(line);
});
parentPort.once('close', () => clearTimeout(timer));
`;

/**
 * A progress reporter: {@link phase} names what the command does now, {@link finish} or
 * {@link stop} ends it. Does nothing (starts no thread) when the stream is not a terminal.
 */
export class Progress {
  /** Start reporting: the delay counts from now. */
  public static start(options: ProgressOptions = {}): Progress {
    const stream = options.stream ?? process.stderr;
    if (!stream.isTTY) return new Progress(undefined, undefined, stream.fd, Date.now());
    const lock = new SharedArrayBuffer(8);
    const start = Date.now();
    const worker = new Worker(WORKER, { eval: true, workerData: { fd: stream.fd, delayMs: options.delayMs ?? 1000, start, lock } });
    worker.unref(); // never keeps the process alive
    return new Progress(worker, new Int32Array(lock), stream.fd, start);
  }

  /** Run `work` as one phase named `line`: shown if it is still running after the delay. */
  public static async around<T>(line: string, work: () => Promise<T> | T, options: ProgressOptions = {}): Promise<T> {
    const progress = Progress.start(options);
    try {
      progress.phase(line);
      const result = await work();
      progress.finish();
      return result;
    } finally {
      progress.stop();
    }
  }

  private stopped = false;

  private constructor(
    private readonly worker: Worker | undefined,
    private readonly state: Int32Array | undefined,
    private readonly fd: number,
    private readonly started: number,
  ) {}

  /** What the command does now, e.g. `validating 28,602 objects…`. */
  public phase(line: string): void {
    this.worker?.postMessage(line);
  }

  /** Stop; when any phase was shown, end with `done in N.N s`. */
  public finish(): void {
    if (this.halt()) {
      fs.writeSync(this.fd, `cdk8s-gitops: done in ${((Date.now() - this.started) / 1000).toFixed(1)} s\n`);
    }
  }

  /** Stop without a closing line (the command failed, or already finished). */
  public stop(): void {
    this.halt();
  }

  /** Stop the worker, waiting for a line it is writing; true when it had shown anything. */
  private halt(): boolean {
    const state = this.state;
    if (state === undefined || this.stopped) return false;
    this.stopped = true;
    while (Atomics.compareExchange(state, 0, IDLE, STOPPED) === WRITING) Atomics.wait(state, 0, WRITING, 100);
    void this.worker!.terminate();
    return Atomics.load(state, 1) === 1;
  }
}

/** A count for people: `28,602`. */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}
