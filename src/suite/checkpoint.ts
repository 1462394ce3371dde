// A training checkpoint: everything a run needs to train on to the same bits as if it had never stopped. That is the
// model's training state (parameters, optimizer slots and step count: Mlp.trainingState), the epoch reached (the batch
// order replays from the seed: src/engine/train.ts), the history so far, and early stopping's best epoch. It names
// what it belongs to (the options that shape training, a SHA-256 of the rows trained on), so a run with other
// options or other data is refused instead of silently mixing two trainings. One file, replaced atomically under the
// save folder's lock (replaceFileSync), with a SHA-256 of its body: a torn or partial file is never taken for a
// checkpoint, and never replaces a good one.
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import { InputError } from '../errors.js';
import type { TrainingState } from '../engine/mlp.js';
import type { EpochLogs } from '../engine/train.js';
import type { TrainConfig } from '../records/run-record.js';
import { replaceFileSync } from '../tfjs/model-folder.js';

/** The checkpoint's file name in the save folder. */
export const CHECKPOINT_FILE = 'checkpoint.radixnet';
const MAGIC = Buffer.from('RADIXNET-CHECKPOINT\n');
const VERSION = 1;
/** The JSON header holds the history of every epoch: far below this, which bounds what a damaged file makes us read. */
const MAX_HEADER_BYTES = 64 * 2 ** 20;

/** What a checkpoint belongs to: the training options that change the bits, and the rows trained and validated on. */
export interface CheckpointIdentity {
  run: Record<string, unknown>;
  data: { trainSamples: number; validationSamples: number; features: number; classes: number; sha256: string };
}

export interface Checkpoint {
  identity: CheckpointIdentity;
  /** Epochs done. */
  epoch: number;
  history: EpochLogs[];
  state: TrainingState;
  /** Early stopping's best epoch so far: its validation loss and parameters. */
  best?: { epoch: number; loss: number; params: Float32Array };
}

interface Header extends CheckpointIdentity {
  format: 'radixnet-checkpoint';
  version: number;
  epoch: number;
  history: EpochLogs[];
  optimizer: TrainingState['optimizer'];
  step: number;
  best?: { epoch: number; loss: number };
  /** Float32 blocks after the header, in order, with their lengths. */
  blocks: { name: string; length: number }[];
  /** SHA-256 of the blocks' bytes. */
  sha256: string;
}

/**
 * The options of `config` that decide what training computes. Not the epoch count (a checkpoint of a finished run
 * trains on to more epochs), nor threads (one thread and many give the same bits, docs/architecture.md).
 */
export function runIdentity(config: TrainConfig): Record<string, unknown> {
  return {
    radices: config.radices,
    layers: config.layers,
    kron: config.kron ?? null,
    batch: config.batchSize,
    optimizer: config.optimizer,
    lr: config.lr,
    momentum: config.optimizer === 'sgd' ? config.momentum : null,
    seed: config.seed,
    bias: config.bias,
    init: config.init,
    validationSplit: config.validationSplit,
    trainSamples: config.trainSamples ?? null,
    denseLayers: config.denseLayers ?? null,
    nonNegativeLast: config.nonNegativeLast ?? false,
    earlyStopping: config.earlyStopping ?? null,
  };
}

/** The identity of the rows a run trains and validates on: counts, width, classes and a SHA-256 of their values. */
export function dataIdentity(
  train: { x: Float32Array; y: ArrayLike<number> },
  validation: { x: Float32Array; y: ArrayLike<number> },
  features: number,
  classes: number,
): CheckpointIdentity['data'] {
  const hash = createHash('sha256');
  for (const part of [train, validation]) {
    hash.update(new Uint8Array(part.x.buffer, part.x.byteOffset, part.x.byteLength));
    hash.update(new Uint8Array(Int32Array.from(part.y as ArrayLike<number>).buffer));
  }
  return {
    trainSamples: train.y.length,
    validationSamples: validation.y.length,
    features,
    classes,
    sha256: hash.digest('hex'),
  };
}

/** Writes `cp` as DIR/checkpoint.radixnet, replacing the one there atomically. Returns the file's path. */
export function writeCheckpoint(dir: string, cp: Checkpoint): string {
  const blocks: [string, Float32Array][] = [
    ['params', cp.state.params],
    ...cp.state.slots.map((s, k): [string, Float32Array] => [`slot${k}`, s]),
    ...(cp.best ? [['best', cp.best.params] as [string, Float32Array]] : []),
  ];
  const body = Buffer.concat(blocks.map(([, a]) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength)));
  const header: Header = {
    format: 'radixnet-checkpoint',
    version: VERSION,
    ...cp.identity,
    epoch: cp.epoch,
    history: cp.history,
    optimizer: cp.state.optimizer,
    step: cp.state.step,
    ...(cp.best ? { best: { epoch: cp.best.epoch, loss: cp.best.loss } } : {}),
    blocks: blocks.map(([name, a]) => ({ name, length: a.length })),
    sha256: createHash('sha256').update(body).digest('hex'),
  };
  let json = Buffer.from(JSON.stringify(header));
  // the blocks start at a multiple of 4 bytes, so a reader can view them as float32 in place
  const pad = (4 - ((MAGIC.length + 4 + json.length) % 4)) % 4;
  json = Buffer.concat([json, Buffer.from(' '.repeat(pad))]);
  const length = Buffer.alloc(4);
  length.writeUInt32LE(json.length);
  return replaceFileSync(resolve(dir), CHECKPOINT_FILE, Buffer.concat([MAGIC, length, json, body]));
}

/**
 * Reads DIR/checkpoint.radixnet, trusting nothing: its magic, header, sizes and the SHA-256 of its body are checked
 * before any of it is used. Every defect is one InputError naming the file.
 */
export function readCheckpoint(dir: string): Checkpoint {
  const path = join(resolve(dir), CHECKPOINT_FILE);
  let size: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new InputError(`${path} is not a regular file; it cannot be a checkpoint`);
    size = st.size;
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(
      `no checkpoint in ${dir} (${CHECKPOINT_FILE} is missing): a run writes one with --save ${dir} --checkpoint-every EPOCHS`,
    );
  }
  const damaged = (why: string): never => {
    throw new InputError(
      `${path} is damaged (${why}); it cannot be resumed: train again without --resume, or resume from another copy`,
    );
  };
  const fd = openSync(path, 'r');
  try {
    const read = (at: number, n: number): Buffer => {
      const buf = Buffer.alloc(n);
      let done = 0;
      while (done < n) {
        const got = readSync(fd, buf, done, n - done, at + done);
        if (got === 0) break;
        done += got;
      }
      if (done < n) damaged(`${size} bytes, ended before byte ${at + n}`);
      return buf;
    };
    if (size < MAGIC.length + 4 || !read(0, MAGIC.length).equals(MAGIC)) damaged('not a radixnet checkpoint');
    const headerBytes = read(MAGIC.length, 4).readUInt32LE(0);
    if (headerBytes > MAX_HEADER_BYTES || MAGIC.length + 4 + headerBytes > size)
      damaged(`its header claims ${headerBytes} bytes of a ${size}-byte file`);
    let header: Header;
    try {
      header = JSON.parse(read(MAGIC.length + 4, headerBytes).toString('utf8')) as Header;
    } catch {
      return damaged('its header is not JSON');
    }
    if (header?.format !== 'radixnet-checkpoint' || !Array.isArray(header.blocks)) damaged('its header has no format');
    if (header.version !== VERSION)
      throw new InputError(
        `${path} is a version ${header.version} checkpoint; this radixnet reads version ${VERSION}: train again without --resume`,
      );
    const start = MAGIC.length + 4 + headerBytes;
    let floats = 0;
    for (const b of header.blocks) {
      if (!Number.isInteger(b?.length) || b.length < 0) damaged(`block ${JSON.stringify(b?.name)} has no length`);
      floats += b.length;
    }
    if (start + floats * 4 !== size)
      damaged(`${size} bytes, but its header describes ${start + floats * 4}: it is truncated or was partly written`);
    const body = read(start, floats * 4);
    if (createHash('sha256').update(body).digest('hex') !== header.sha256)
      damaged('its contents do not match their SHA-256: it was changed or partly written');
    const blocks = new Map<string, Float32Array>();
    let at = 0;
    for (const b of header.blocks) {
      blocks.set(b.name, new Float32Array(body.buffer, body.byteOffset + at * 4, b.length).slice());
      at += b.length;
    }
    const slots: Float32Array[] = [];
    for (let k = 0; blocks.has(`slot${k}`); k++) slots.push(blocks.get(`slot${k}`)!);
    const params = blocks.get('params') ?? damaged('it holds no parameters');
    const best = header.best
      ? {
          epoch: header.best.epoch,
          loss: header.best.loss,
          params: blocks.get('best') ?? damaged('it names a best epoch but holds no weights of it'),
        }
      : undefined;
    return {
      identity: { run: header.run, data: header.data },
      epoch: header.epoch,
      history: header.history,
      state: { optimizer: header.optimizer, step: header.step, params, slots },
      ...(best ? { best } : {}),
    };
  } finally {
    closeSync(fd);
  }
}

/**
 * Refuses to resume `cp` (read from `dir`) into a run of another identity, naming the first difference and the fix,
 * and a checkpoint with nothing left to train up to `epochs`.
 */
export function checkResumable(cp: Checkpoint, dir: string, identity: CheckpointIdentity, epochs: number): void {
  const where = join(dir, CHECKPOINT_FILE);
  const show = (v: unknown): string => (v === null || v === undefined ? 'none' : JSON.stringify(v));
  for (const key of new Set([...Object.keys(identity.run), ...Object.keys(cp.identity.run)])) {
    const was = cp.identity.run[key];
    const now = identity.run[key];
    if (JSON.stringify(was ?? null) !== JSON.stringify(now ?? null)) {
      throw new InputError(
        `${where} is of a run with ${key} ${show(was)}, this run has ${show(now)}: resume with the options the checkpoint was written with, or train into another --save folder`,
      );
    }
  }
  const a = cp.identity.data;
  const b = identity.data;
  if (a.sha256 !== b.sha256) {
    throw new InputError(
      `${where} was trained on other data (${a.trainSamples} training and ${a.validationSamples} validation rows of ${a.features} features, ` +
        `${a.classes} classes; this run has ${b.trainSamples} and ${b.validationSamples} rows of ${b.features}, ${b.classes} classes, and their values differ): ` +
        'resume with the data it was written with, or train into another --save folder',
    );
  }
  const patience = identity.run.earlyStopping;
  if (cp.best && typeof patience === 'number' && cp.epoch - cp.best.epoch >= patience) {
    throw new InputError(
      `${where} is of a run that early stopping ended at epoch ${cp.epoch} (its best epoch ${cp.best.epoch}): it has nothing left to train`,
    );
  }
  if (cp.epoch >= epochs) {
    throw new InputError(
      `${where} is at epoch ${cp.epoch}, so a run of ${epochs} epochs has nothing left to train: give --epochs above ${cp.epoch} to train on`,
    );
  }
}
