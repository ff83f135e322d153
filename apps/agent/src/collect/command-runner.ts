import { spawn, type ChildProcess } from 'node:child_process';

/** How a command ended. `not-found` (tool not installed) and `timeout` are "no evidence", never a crash. */
export type CaptureOutcome = 'ok' | 'exit-nonzero' | 'timeout' | 'not-found' | 'output-too-large' | 'error';

/** The raw result of one command (STYLE.md §14): the collector returns it, the libraries interpret it. */
export interface Capture {
  command: string;
  args: string[];
  outcome: CaptureOutcome;
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  collectedAt: string;
  durationMs: number;
  error?: string;
}

/** The only way the agent runs a program on the host. */
export interface CommandRunner {
  run(command: string, args: string[], timeoutMs: number): Promise<Capture>;
}

export interface ChildProcessRunnerOptions {
  /** Bytes of stdout (and separately stderr) kept before the command is killed as `output-too-large`. */
  maxBuffer?: number;
  /** PATH for the commands (default: the agent's PATH plus the sbin directories where xl and dmidecode live). */
  path?: string;
}

/**
 * Runs commands with `spawn` in their own process group. On timeout the whole group gets SIGKILL
 * (killing only the direct child would leave a grandchild holding the pipes open), and the promise
 * resolves at once with outcome `timeout`. Output is decoded as UTF-8 with `LC_ALL=C`.
 */
export class ChildProcessRunner implements CommandRunner {
  private readonly maxBuffer: number;
  private readonly path: string;

  constructor(options: ChildProcessRunnerOptions = {}) {
    this.maxBuffer = options.maxBuffer ?? 32 * 1024 * 1024;
    this.path = options.path ?? [process.env.PATH, '/usr/local/sbin', '/usr/sbin', '/sbin'].filter(Boolean).join(':');
  }

  run(command: string, args: string[], timeoutMs: number): Promise<Capture> {
    const collectedAt = new Date().toISOString();
    const started = Date.now();
    return new Promise<Capture>((resolve) => {
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let outBytes = 0;
      let errBytes = 0;
      let settled = false;
      let forced: { outcome: CaptureOutcome; error: string } | undefined;
      let child: ChildProcess;

      const finish = (exitCode: number | null, signal: string | null, spawnError?: NodeJS.ErrnoException) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        child?.stdout?.destroy();
        child?.stderr?.destroy();
        let outcome: CaptureOutcome;
        let error: string | undefined;
        if (forced) ({ outcome, error } = forced);
        else if (spawnError) {
          outcome = spawnError.code === 'ENOENT' ? 'not-found' : 'error';
          error = spawnError.code === 'ENOENT' ? `${command}: command not found` : spawnError.message;
        } else if (exitCode === 0) outcome = 'ok';
        else {
          outcome = 'exit-nonzero';
          error = signal ? `killed by ${signal}` : `exit code ${exitCode}`;
        }
        resolve({
          command,
          args,
          outcome,
          exitCode,
          signal,
          stdout: Buffer.concat(out).toString('utf8'),
          stderr: Buffer.concat(err).toString('utf8'),
          collectedAt,
          durationMs: Date.now() - started,
          ...(error ? { error } : {}),
        });
      };

      const killGroup = () => {
        if (child?.pid === undefined) return;
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // The group may already be gone; fall back to the direct child.
          try {
            child.kill('SIGKILL');
          } catch {
            // Already exited: nothing left to kill.
          }
        }
      };

      const timer = setTimeout(() => {
        forced = { outcome: 'timeout', error: `timeout after ${timeoutMs} ms (killed)` };
        killGroup();
        finish(null, 'SIGKILL');
      }, timeoutMs);

      try {
        child = spawn(command, args, {
          stdio: ['ignore', 'pipe', 'pipe'],
          detached: true,
          env: { ...process.env, PATH: this.path, LC_ALL: 'C', LANG: 'C' },
        });
      } catch (e) {
        finish(null, null, e as NodeJS.ErrnoException);
        return;
      }
      child.stdout!.on('data', (chunk: Buffer) => {
        outBytes += chunk.length;
        if (outBytes > this.maxBuffer) {
          forced = { outcome: 'output-too-large', error: `stdout exceeded ${this.maxBuffer} bytes (killed)` };
          killGroup();
          finish(null, 'SIGKILL');
        } else out.push(chunk);
      });
      child.stderr!.on('data', (chunk: Buffer) => {
        errBytes += chunk.length;
        if (errBytes <= 64 * 1024) err.push(chunk);
      });
      child.on('error', (e) => finish(null, null, e as NodeJS.ErrnoException));
      child.on('close', (code, signal) => finish(code, signal));
    });
  }
}
