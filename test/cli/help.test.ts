/**
 * Every command's `--help`: it lists exactly the flags its option table parses (for the commands
 * whose help lists its options from the table this holds by construction; gate's and shift's
 * are still written by hand), and its text is pinned.
 */
import { COMMANDS, parseCommandLine } from '../../src/cli/main';

/** The flags the help's "Options:" section lists (long names, without `--`). */
function listedFlags(help: string): string[] {
  const section = help.slice(help.indexOf('\nOptions:\n'));
  return [...section.matchAll(/^ {2}(?:-\w, )?--([a-z][a-z-]*)/gm)].map(m => m[1]);
}

describe.each(Object.keys(COMMANDS))('%s --help', command => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(`../../src/cli/${command}`);

  test('lists every flag the command parses, each once, and no other', () => {
    const listed = listedFlags(mod.HELP);
    expect([...listed].sort()).toEqual([...Object.keys(mod.OPTIONS), 'help'].sort());
    expect(new Set(listed).size).toBe(listed.length);
    for (const flag of listed.filter(f => f !== 'help')) expect(() => parseCommandLine([command, `--${flag}${mod.OPTIONS[flag].type === 'string' ? '=x' : ''}`])).not.toThrow(/Unknown option/);
  });

  test('the text', () => {
    expect(mod.HELP).toMatchSnapshot();
  });
});
