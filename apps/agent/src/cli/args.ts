/** Result of parsing argv: the command, `--flag value` / `--flag=value` / boolean flags, positionals. */
export interface ParsedArgs {
  command?: string;
  flags: Record<string, string | true>;
  positionals: string[];
  errors: string[];
}

/**
 * A small argv parser (no dependencies). `booleans` never take a value; every other known flag takes
 * exactly one. Unknown flags are errors, so a typo does not silently fall back to a default.
 */
export function parseArgs(argv: string[], known: { booleans: readonly string[]; values: readonly string[] }): ParsedArgs {
  const out: ParsedArgs = { flags: {}, positionals: [], errors: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      out.positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg === '-h') {
      out.flags.help = true;
      continue;
    }
    if (!arg.startsWith('--')) {
      if (out.command === undefined) out.command = arg;
      else out.positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    if (known.booleans.includes(name)) {
      if (eq >= 0) out.errors.push(`--${name} takes no value`);
      else out.flags[name] = true;
    } else if (known.values.includes(name)) {
      const next = argv[i + 1];
      const value = eq >= 0 ? arg.slice(eq + 1) : next !== undefined && !next.startsWith('--') ? argv[++i] : undefined;
      if (value === undefined) out.errors.push(`--${name} needs a value`);
      else out.flags[name] = value;
    } else out.errors.push(`unknown option --${name}`);
  }
  return out;
}
