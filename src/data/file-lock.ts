// Exclusive locks on files (a results file's writer, a model folder's save), safe on a shared filesystem and in
// containers. Node has no flock(), and flock() is unreliable over NFS anyway, so a lock is a small file made with
// link(2) (atomic on local filesystems and on NFS, unlike O_EXCL on old clients) that names its holder by host, boot
// id, PID namespace, pid and the process's start time. A holder is known dead when it ran under this kernel and this
// PID namespace and no process with its pid and start time exists (a restarted container's PID 1 is another process:
// its start time differs). A holder this process cannot see (another host, another PID namespace) proves it is alive
// by touching the lock's mtime every staleMs / 4; a lock untouched for staleMs was left by a killed process.
import { linkSync, readFileSync, readlinkSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';

/** Who holds a lock, as written in the lock file. */
export interface LockOwner {
  host: string;
  /** /proc/sys/kernel/random/boot_id: which boot of which kernel (null off Linux). */
  bootId: string | null;
  /** The holder's PID namespace (`pid:[4026531836]`; null off Linux). */
  pidNs: string | null;
  pid: number;
  /** The holder's start time in clock ticks after boot (/proc/PID/stat field 22; null off Linux). */
  start: string | null;
  /** When the lock was taken (ms since the epoch). */
  since: number;
}

export interface FileLock {
  path: string;
  /** Throws (with `lostMessage`) when the lock file no longer names this holder (someone deleted it by hand). */
  check(lostMessage: string): void;
  release(): void;
}

/** A lock held by someone else: its holder (null when the file is not one of ours) and why it counts as live. */
export interface LockHeld {
  owner: LockOwner | null;
  /** Milliseconds since the holder last touched the lock. */
  idleMs: number;
  /** One phrase naming the holder, e.g. `pid 41 on host node7 (since 10:02:11 UTC)`. */
  holder: string;
}

/** The identity of this process, as a lock file holds it. */
export function currentOwner(): LockOwner {
  return {
    host: hostname(),
    bootId: bootId(),
    pidNs: pidNamespace(),
    pid: process.pid,
    start: processStart(process.pid),
    since: Date.now(),
  };
}

/**
 * Takes the lock at `path` or says who holds it; a lock left by a dead holder is removed and taken. `staleMs`: how
 * long a holder this process cannot see may go without touching the lock before it counts as dead.
 */
export function tryLock(path: string, staleMs: number): FileLock | LockHeld {
  const me = currentOwner();
  const text = JSON.stringify(me) + '\n';
  for (let attempt = 0; ; attempt++) {
    // named like the model folder's temporary files, which a later save sweeps up if this process dies right here
    const tmp = `${path}.tmp-${randomBytes(6).toString('hex')}`;
    writeFileSync(tmp, text);
    try {
      createExclusive(tmp, path, text);
      return held(path, text, staleMs);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    } finally {
      rmSync(tmp, { force: true });
    }
    const seen = readOrNull(path);
    if (seen === null) continue; // released between our link and our read
    const idleMs = Date.now() - (mtimeOrNull(path) ?? 0);
    const owner = parseOwner(seen);
    if (!isDead(owner, idleMs, staleMs, me) || attempt >= 3) return { owner, idleMs, holder: describe(owner) };
    removeStale(path, seen);
  }
}

/** Whether the holder of a lock is certainly gone. */
export function isDead(
  owner: LockOwner | null,
  idleMs: number,
  staleMs: number,
  me: LockOwner = currentOwner(),
): boolean {
  if (owner === null) return idleMs > staleMs;
  if (owner.bootId !== null && owner.bootId === me.bootId && owner.pidNs === me.pidNs && owner.start !== null) {
    // same kernel, same pid numbering: exact, whatever the time
    return processStart(owner.pid) !== owner.start;
  }
  if (owner.bootId === null && me.bootId === null && owner.host === me.host) return !pidAlive(owner.pid);
  return idleMs > staleMs;
}

/** `pid 41 on host node7 since 2026-12-06 10:02:11 UTC`. */
export function describe(owner: LockOwner | null): string {
  if (owner === null) return 'an unknown process';
  const since = new Date(owner.since)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC');
  return `pid ${owner.pid} on host ${owner.host}${owner.since ? ` (since ${since})` : ''}`;
}

/**
 * Creates `path` holding `text` unless it exists (EEXIST then): by link(2) from the whole temporary file, so no reader
 * ever sees a lock half written; on filesystems without hard links (some FUSE and SMB mounts), by O_EXCL.
 */
function createExclusive(tmp: string, path: string, text: string): void {
  try {
    linkSync(tmp, path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS' && code !== 'EMLINK')
      throw err;
    writeFileSync(path, text, { flag: 'wx' });
  }
}

function held(path: string, text: string, staleMs: number): FileLock {
  let released = false;
  const mine = (): boolean => readOrNull(path) === text;
  // touch often enough that a live holder never looks stale to a process that cannot see it
  const timer = setInterval(
    () => {
      try {
        if (mine()) utimesSync(path, new Date(), new Date());
      } catch {
        // the next check() reports a lost lock
      }
    },
    Math.max(50, Math.floor(staleMs / 4)),
  );
  timer.unref();
  return {
    path,
    check(lostMessage) {
      if (released || !mine()) throw new Error(lostMessage);
      utimesSync(path, new Date(), new Date());
    },
    release() {
      if (released) return;
      released = true;
      clearInterval(timer);
      if (mine()) rmSync(path, { force: true });
    },
  };
}

/**
 * Removes a dead holder's lock without removing a live one taken meanwhile: the lock is renamed aside first, and put
 * back when what was renamed is not what was judged dead.
 */
function removeStale(path: string, judged: string): void {
  const aside = `${path}.tmp-${randomBytes(6).toString('hex')}`;
  try {
    renameSync(path, aside);
  } catch {
    return; // gone already: someone else cleared it
  }
  if (readOrNull(aside) !== judged) {
    try {
      linkSync(aside, path);
    } catch {
      // a third process holds it now; the one we moved sees its lock lost at its next check
    }
  }
  rmSync(aside, { force: true });
}

export function parseOwner(text: string): LockOwner | null {
  try {
    const o = JSON.parse(text) as Record<string, unknown>;
    const strOrNull = (v: unknown): v is string | null => v === null || typeof v === 'string';
    if (
      typeof o === 'object' &&
      o !== null &&
      typeof o.host === 'string' &&
      Number.isSafeInteger(o.pid) &&
      strOrNull(o.bootId) &&
      strOrNull(o.pidNs) &&
      strOrNull(o.start) &&
      typeof o.since === 'number'
    ) {
      return o as unknown as LockOwner;
    }
  } catch {
    // not one of ours
  }
  return null;
}

/** The start time of process `pid` in clock ticks after boot, null when no such process is visible. */
export function processStart(pid: number): string | null {
  const stat = readOrNull(`/proc/${pid}/stat`);
  if (stat === null) return null;
  // the command name (field 2) may hold spaces and parentheses: count fields after its closing parenthesis
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fields[19] ?? null;
}

function bootId(): string | null {
  return readOrNull('/proc/sys/kernel/random/boot_id')?.trim() ?? null;
}

function pidNamespace(): string | null {
  try {
    return readlinkSync('/proc/self/ns/pid');
  } catch {
    return null;
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readOrNull(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

function mtimeOrNull(path: string): number | null {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return null;
  }
}
