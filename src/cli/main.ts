/**
 * `cdk8s-gitops` command line. Each command lives in its own module (`./<command>.ts`) that
 * exports `run(argv: string[]): Promise<number>` and `HELP: string`; this file only dispatches.
 * Exit codes: 0 ok, 1 check or operation failed, 2 usage error.
 */
export const COMMANDS: Record<string, string> = {
  synth: 'Render every manifest of the app into the GitOps layout (default dist/)',
  validate: 'Check synthesized manifests: schema, cross-references, policy',
  release: 'Roll a new image tag into an environment of the GitOps repository',
  promote: "Give an environment exactly another environment's release, on a branch",
  rollback: 'Restore the previous release of an environment, as a new commit',
  diff: 'Show what synth would change in the GitOps repository',
  status: 'Show what each environment runs, side by side, and its last release',
  init: 'Write a new cdk8s-gitops project (program, test, cdk8s.yaml, CI) into a folder',
};

export const USAGE = `Usage: cdk8s-gitops <command> [options]

Commands:
${Object.entries(COMMANDS).map(([c, d]) => `  ${c.padEnd(10)} ${d}`).join('\n')}

Run \`cdk8s-gitops <command> --help\` for a command's options.
The program a command renders is --app MODULE (a module exporting createApp(props)), else the
"app" entry of the "cdk8s-gitops" field in ./package.json; without either it exits 2.
Exit codes: 0 ok, 1 check or operation failed, 2 usage error.
`;

/**
 * Let a reader that stops early (`cdk8s-gitops status | head`) end the process quietly, as
 * other command-line tools do, instead of with an unhandled EPIPE error. For the CLI's
 * entry point (`bin/cdk8s-gitops.js`).
 */
export function exitQuietlyOnClosedOutput(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EPIPE') throw e;
      process.exit(process.exitCode ?? 0);
    });
  }
}

/** Error that means "the command line is wrong": exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE);
    return command === undefined ? 2 : 0;
  }
  if (!(command in COMMANDS)) {
    process.stderr.write(`cdk8s-gitops: unknown command ${JSON.stringify(command)}\n\n${USAGE}`);
    return 2;
  }
  let mod: { run(argv: string[]): Promise<number> };
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    mod = require(`./${command}`);
  } catch (e: any) {
    if (e?.code === 'MODULE_NOT_FOUND' && String(e.message).includes(`/${command}`)) {
      process.stderr.write(`cdk8s-gitops: command ${JSON.stringify(command)} is not available in this build\n`);
      return 2;
    }
    throw e;
  }
  try {
    return await mod.run(rest);
  } catch (e: any) {
    if (e instanceof UsageError || e?.name === 'UsageError') {
      process.stderr.write(`cdk8s-gitops ${command}: ${e.message}\n`);
      return 2;
    }
    process.stderr.write(`cdk8s-gitops ${command}: ${e?.message ?? e}\n`);
    return 1;
  }
}
