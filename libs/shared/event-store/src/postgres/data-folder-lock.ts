import { closeSync, constants, ftruncateSync, openSync, readFileSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { tryLock } from 'fs-native-extensions';

/** The file in the data folder that is locked while a process has the embedded database open. */
export const LOCK_FILE = 'erbm.lock';

/** Who has the data folder open, as that process wrote it in the lock file. */
export interface DataFolderHolder {
  pid: number;
  host: string;
  /** How it was started: `npm start`, `npm run seal`…, then the script and its arguments. */
  command: string;
  /** ISO 8601. */
  since: string;
}

/**
 * The byte locked: past the holder's description, which stays readable where locks are mandatory (Windows). Locking
 * past the end of a file does not extend it.
 */
const LOCKED_BYTE = 2 ** 30;

/** What the refused process should do instead, said to the person who started it. */
const STOP_FIRST = "Arrêtez ce processus d'abord, ou passez par son API HTTP.";

/**
 * The embedded database (PGlite) is one process's: a second process on the same data folder would write over the
 * first one's files. Its message names the holder and what to use instead, on one line.
 */
export class DataFolderInUseError extends Error {
  constructor(
    readonly dataDir: string,
    readonly holder: DataFolderHolder | undefined,
    readonly instead: string = STOP_FIRST,
  ) {
    super(describeRefusal(dataDir, holder, instead));
    this.name = 'DataFolderInUseError';
  }
}

function describeRefusal(dataDir: string, holder: DataFolderHolder | undefined, instead: string): string {
  const folder = `Le dossier de données ${resolve(dataDir)}`;
  if (holder?.pid === process.pid && holder.host === hostname())
    return `${folder} est déjà ouvert par ce même processus (pid ${holder.pid}, depuis ${when(holder.since)}) : fermez la base avant de la rouvrir.`;
  const who = holder
    ? `par le processus ${holder.pid} sur ${holder.host} (${holder.command}), depuis ${when(holder.since)}`
    : 'par un autre processus, qui vient de l’ouvrir';
  return `${folder} est déjà utilisé ${who} : la base embarquée (PGlite) n'accepte qu'un processus à la fois. ${instead}`;
}

function when(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString('fr-FR', { dateStyle: 'short', timeStyle: 'medium' });
}

/** `npm start`, `npm run seal`… when started through npm, then the script and its arguments. */
function commandLine(): string {
  const entry = process.argv[1] ? relative(process.cwd(), process.argv[1]) || process.argv[1] : '';
  // npm's variables pass on to every child process: they name this one only if its script runs this entry point.
  const script = process.env.npm_lifecycle_event;
  const ours = script !== undefined && entry !== '' && (process.env.npm_lifecycle_script ?? '').includes(entry);
  const npm = ours ? (['start', 'test'].includes(script) ? `npm ${script}` : `npm run ${script}`) : undefined;
  const run = ['node', entry, ...process.argv.slice(2)].filter(Boolean).join(' ');
  return npm ? `${npm} : ${run}` : run;
}

function readHolder(fd: number): DataFolderHolder | undefined {
  try {
    const text = readFileSync(fd, 'utf8');
    if (!text.trim()) return undefined;
    const parsed = JSON.parse(text) as Partial<DataFolderHolder>;
    return typeof parsed.pid === 'number' ? (parsed as DataFolderHolder) : undefined;
  } catch {
    return undefined;
  }
}

export interface DataFolderLock {
  /** Releases the folder (idempotent): its lock file is emptied, then closed, which frees the lock. */
  release(): void;
}

const held = new Set<DataFolderLock>();
let exitHookInstalled = false;

/**
 * Takes the data folder for this process, or throws DataFolderInUseError naming the process that has it.
 *
 * The lock is the kernel's (an open-file-description lock on Linux, `flock` on macOS, `LockFileEx` on Windows, through
 * fs-native-extensions), not a file whose presence is the lock: the kernel frees it when its holder dies, even by
 * `kill -9`, so a lock left by a crash is never mistaken for a live one and no staleness guess is needed (lock-file
 * libraries such as proper-lockfile judge staleness by the file's age, which a crashed holder leaves to chance, and a
 * pid recorded in a file can be reused by an unrelated process). The file's content only says who holds it; found there
 * when the lock was free, it names a holder that stopped without releasing the folder, which is logged.
 */
export function lockDataFolder(dataDir: string, options: { instead?: string; log?: (line: string) => void } = {}): DataFolderLock {
  const path = join(dataDir, LOCK_FILE);
  const fd = openSync(path, constants.O_RDWR | constants.O_CREAT, 0o644);
  let locked: boolean;
  try {
    locked = tryLock(fd, LOCKED_BYTE, 1);
  } catch (error) {
    closeSync(fd);
    throw error;
  }
  if (!locked) {
    const holder = readHolder(fd);
    closeSync(fd);
    throw new DataFolderInUseError(dataDir, holder, options.instead);
  }
  const previous = readHolder(fd);
  if (previous) {
    const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
    log(
      `Dossier de données ${resolve(dataDir)} : le processus ${previous.pid} sur ${previous.host} (${previous.command}), qui l'avait ouvert le ${when(previous.since)}, s'est arrêté sans le libérer ; ce processus le reprend.`,
    );
  }
  const me: DataFolderHolder = { pid: process.pid, host: hostname(), command: commandLine(), since: new Date().toISOString() };
  ftruncateSync(fd, 0);
  writeSync(fd, `${JSON.stringify(me)}\n`, 0);
  let open = true;
  const lock: DataFolderLock = {
    release() {
      if (!open) return;
      open = false;
      held.delete(lock);
      try {
        ftruncateSync(fd, 0);
      } finally {
        closeSync(fd);
      }
    },
  };
  held.add(lock);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    // A normal exit without close (a tool that returns early) leaves no holder named in the file; the kernel frees the
    // lock in any case.
    process.on('exit', () => {
      for (const l of [...held]) l.release();
    });
  }
  return lock;
}

/** Throws DataFolderInUseError if another process has the folder; takes nothing (a server checks before it starts). */
export function assertDataFolderFree(dataDir: string, instead?: string): void {
  let fd: number;
  try {
    fd = openSync(join(dataDir, LOCK_FILE), constants.O_RDWR);
  } catch {
    return;
  }
  try {
    if (!tryLock(fd, LOCKED_BYTE, 1)) throw new DataFolderInUseError(dataDir, readHolder(fd), instead);
  } finally {
    // Closing the descriptor frees the lock this check may have taken.
    closeSync(fd);
  }
}
