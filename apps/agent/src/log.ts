/** Where the agent says what it did. Lines go to stderr (journald under systemd); stdout is for results. */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export function stderrLogger(verbose = true): Logger {
  const write = (level: string, message: string) => process.stderr.write(`virtcap-agent ${level}: ${message}\n`);
  return {
    info: (m) => {
      if (verbose) write('info', m);
    },
    warn: (m) => write('warn', m),
    error: (m) => write('error', m),
  };
}

/** A logger that keeps lines in memory, for tests and for `--dry-run` summaries. */
export function memoryLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    info: (m) => lines.push(`info: ${m}`),
    warn: (m) => lines.push(`warn: ${m}`),
    error: (m) => lines.push(`error: ${m}`),
  };
}

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
