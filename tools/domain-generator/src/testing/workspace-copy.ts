import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

/** The workspace this file belongs to (tools/domain-generator/src/testing → the root). */
export const WORKSPACE_ROOT = resolve(__dirname, '..', '..', '..', '..');

export interface RunResult {
  /** Exit code; null when the command was killed (timeout). */
  status: number | null;
  stdout: string;
  stderr: string;
  /** Wall-clock milliseconds. */
  ms: number;
}

export interface WorkspaceCopy {
  /** Absolute path of the copy (under the OS temp dir, outside any git repository). */
  root: string;
  /** How long the copy took (ms). */
  copyMs: number;
  /**
   * Runs a command in the copy (no shell; several may run at once) with Nx pinned to the copy: no daemon, no cloud, no
   * TUI, and its own cache and workspace-data directories inside the copy (Nx 23 otherwise shares them between
   * checkouts of one repository, under ~/.nx). A command still running after `timeoutMs` is killed.
   */
  run(cmd: string, args: string[], options?: { env?: Record<string, string | undefined>; timeoutMs?: number }): Promise<RunResult>;
  /** Paths changed since the copy was made (added, modified, deleted), sorted. */
  changedFiles(): string[];
  /** Deletes the copy. */
  remove(): void;
}

function git(cwd: string, args: string[]): string {
  const r = spawnSync('git', args, { cwd, encoding: 'utf-8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')} failed in ${cwd}:\n${r.stderr}`);
  return r.stdout;
}

/**
 * Makes a temporary copy of this workspace to run the domain generator in, then lint, type check and Jest: the files
 * git tracks plus the untracked ones it does not ignore (so uncommitted work is included), with node_modules as a
 * symlink to the original's, committed in a fresh git repository so that `changedFiles()` can tell what changed.
 */
export function copyWorkspace(): WorkspaceCopy {
  const started = Date.now();
  const root = mkdtempSync(join(tmpdir(), 'erbm-workspace-'));
  const listed = git(WORKSPACE_ROOT, ['ls-files', '-z', '--cached', '--others', '--exclude-standard']).split('\0').filter(Boolean);
  for (const file of new Set(listed)) {
    // A worktree's node_modules is a symlink, which `node_modules/` in .gitignore (directories only) does not cover.
    if (file === 'node_modules' || file.startsWith('node_modules/')) continue;
    const source = join(WORKSPACE_ROOT, file);
    if (!existsSync(source) || lstatSync(source).isDirectory()) continue; // deleted but still tracked; a submodule
    mkdirSync(dirname(join(root, file)), { recursive: true });
    copyFileSync(source, join(root, file));
  }
  symlinkSync(realpathSync(join(WORKSPACE_ROOT, 'node_modules')), join(root, 'node_modules'), 'dir');
  git(root, ['init', '-q']);
  writeFileSync(join(root, '.git', 'info', 'exclude'), '/node_modules\n');
  git(root, ['add', '-A']);
  git(root, ['-c', 'user.name=workspace-copy', '-c', 'user.email=workspace-copy@localhost', '-c', 'commit.gpgsign=false', 'commit', '-qm', 'baseline']);
  const copyMs = Date.now() - started;

  const nxEnv = {
    NX_DAEMON: 'false',
    NX_NO_CLOUD: 'true',
    NX_TUI: 'false',
    NX_WORKSPACE_ROOT_PATH: root,
    NX_CACHE_DIRECTORY: join(root, '.nx', 'cache'),
    NX_WORKSPACE_DATA_DIRECTORY: join(root, '.nx', 'workspace-data'),
    FORCE_COLOR: '0',
  };

  return {
    root,
    copyMs,
    run(cmd, args, options = {}) {
      const t = Date.now();
      return new Promise<RunResult>((done, fail) => {
        const child = spawn(cmd, args, {
          cwd: root,
          env: { ...process.env, ...nxEnv, ...options.env },
          timeout: options.timeoutMs,
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stdout = '';
        let stderr = '';
        child.stdout.setEncoding('utf-8').on('data', (chunk: string) => (stdout += chunk));
        child.stderr.setEncoding('utf-8').on('data', (chunk: string) => (stderr += chunk));
        child.on('error', fail);
        child.on('close', (status) => done({ status, stdout, stderr, ms: Date.now() - t }));
      });
    },
    changedFiles() {
      return git(root, ['status', '--porcelain', '-uall', '-z'])
        .split('\0')
        .filter(Boolean)
        .map((line) => line.slice(3))
        .sort();
    },
    remove() {
      rmSync(root, { recursive: true, force: true });
    },
  };
}
