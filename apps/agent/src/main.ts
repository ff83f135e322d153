import { runCli } from './cli/cli';
import { libsInterpreter } from './snapshot/interpreter';

// Entry point of the bundled dist/agent/virtcap-agent.cjs: the only place with process-wide effects.
const controller = new AbortController();
for (const sig of ['SIGTERM', 'SIGINT'] as const) {
  process.once(sig, () => {
    process.stderr.write(`virtcap-agent: ${sig} received, stopping\n`);
    controller.abort();
  });
}

runCli(process.argv.slice(2), {
  interpreter: libsInterpreter,
  stdout: (text) => process.stdout.write(text),
  signal: controller.signal,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`virtcap-agent: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  },
);
