import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

/** The workspace this file belongs to (tools/domain-generator/src/testing → the root). */
export const WORKSPACE_ROOT = resolve(__dirname, '..', '..', '..', '..');

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
  /** Wall-clock milliseconds. */
  ms: number;
}

export interface WorkspaceCopy {
  /** Absolute path of the copy (under the OS temp dir, outside any git repository). */
  root: string;
  /** How many files were copied, and how long the copy took (ms). */
  files: number;
  copyMs: number;
  /**
   * Runs a command in the copy (spawnSync, no shell) with Nx pinned to the copy: no daemon, no cloud, no TUI, and its
   * own cache and workspace-data directories inside the copy (Nx 23 otherwise shares them between checkouts of one
   * repository, under ~/.nx).
   */
  run(cmd: string, args: string[], options?: { env?: Record<string, string | undefined>; cwd?: string; timeoutMs?: number }): RunResult;
  /** Paths changed since the copy was made (added, modified, deleted), when it was made with `git: true`. */
  changedFiles(): string[];
  /** Deletes the copy. */
  remove(): void;
}

export interface WorkspaceCopyOptions {
  /** The workspace to copy; defaults to this one. */
  from?: string;
  /** Commit the copy in a fresh git repository so that `changedFiles()` can tell what a command changed. Default true. */
  git?: boolean;
  /** Files to write into the copy before the baseline commit (path relative to the root → content). */
  files?: Record<string, string>;
}

function git(cwd: string, args: string[]): string {
  const r = spawnSync('git', args, { cwd, encoding: 'utf-8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')} failed in ${cwd}:\n${r.stderr}`);
  return r.stdout;
}

/**
 * Makes a temporary copy of the workspace to run the domain generator in, then lint, type check and Jest: the files
 * git tracks plus the untracked ones it does not ignore (so uncommitted work is included), with node_modules as a
 * symlink to the original's.
 */
export function copyWorkspace(options: WorkspaceCopyOptions = {}): WorkspaceCopy {
  const from = options.from ?? WORKSPACE_ROOT;
  const started = Date.now();
  const root = mkdtempSync(join(tmpdir(), 'erbm-workspace-'));
  const listed = git(from, ['ls-files', '-z', '--cached', '--others', '--exclude-standard']).split('\0').filter(Boolean);
  let files = 0;
  for (const file of new Set(listed)) {
    // A worktree's node_modules is a symlink, which `node_modules/` in .gitignore (directories only) does not cover.
    if (file === 'node_modules' || file.startsWith('node_modules/')) continue;
    const source = join(from, file);
    if (!existsSync(source) || lstatSync(source).isDirectory()) continue; // deleted but still tracked; a submodule
    mkdirSync(dirname(join(root, file)), { recursive: true });
    copyFileSync(source, join(root, file));
    files++;
  }
  symlinkSync(realpathSync(join(from, 'node_modules')), join(root, 'node_modules'), 'dir');
  for (const [file, content] of Object.entries(options.files ?? {})) {
    mkdirSync(dirname(join(root, file)), { recursive: true });
    writeFileSync(join(root, file), content);
  }
  const useGit = options.git ?? true;
  if (useGit) {
    git(root, ['init', '-q']);
    writeFileSync(join(root, '.git', 'info', 'exclude'), '/node_modules\n');
    git(root, ['add', '-A']);
    git(root, ['-c', 'user.name=workspace-copy', '-c', 'user.email=workspace-copy@localhost', '-c', 'commit.gpgsign=false', 'commit', '-qm', 'baseline']);
  }
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
    files,
    copyMs,
    run(cmd, args, runOptions = {}) {
      const t = Date.now();
      const env: Record<string, string | undefined> = { ...process.env, ...nxEnv, ...runOptions.env };
      const r = spawnSync(cmd, args, {
        cwd: runOptions.cwd ? resolve(root, runOptions.cwd) : root,
        env,
        encoding: 'utf-8',
        maxBuffer: 64 * 1024 * 1024,
        timeout: runOptions.timeoutMs,
      });
      if (r.error) throw r.error;
      return { status: r.status, stdout: r.stdout, stderr: r.stderr, ms: Date.now() - t };
    },
    changedFiles() {
      if (!useGit) throw new Error('changedFiles() needs a copy made with git: true');
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
