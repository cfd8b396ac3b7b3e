/**
 * Every command's `--help`: its "Options" section is its option table as `formatOptions`
 * renders it (no command keeps a flag list by hand), its usage names only flags it parses, and
 * its text is pinned.
 */
import * as fs from 'fs';
import * as path from 'path';
import { formatOptions, OptionTable } from '../../src/cli/args';
import { GATE_SETTING_KEYS } from '../../src/gate/gate-settings';
import { COMMANDS, parseCommandLine } from '../../src/cli/main';

/** The flags the help's "Options:" section lists (long names, without `--`). */
function listedFlags(help: string): string[] {
  const section = help.slice(help.indexOf('\nOptions:\n'));
  return [...section.matchAll(/^ {2}(?:-\w, )?--([a-z][a-z-]*)/gm)].map(m => m[1]);
}

/** Where the help's descriptions start: the column of `-h, --help`'s. */
function descriptionColumn(help: string): number {
  const m = /^( {2}-h, --help +)show this help$/m.exec(help);
  if (!m) throw new Error('no -h, --help line');
  return m[1].length;
}

/** The usage lines: from `Usage:` to the first blank line. */
function usage(help: string): string {
  return help.slice(0, help.indexOf('\n\n'));
}

describe.each(Object.keys(COMMANDS))('%s --help', command => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod: { HELP: string; OPTIONS: OptionTable } = require(`../../src/cli/${command}`);

  test('lists every flag the command parses, each once, and no other', () => {
    const listed = listedFlags(mod.HELP);
    expect([...listed].sort()).toEqual([...Object.keys(mod.OPTIONS), 'help'].sort());
    expect(new Set(listed).size).toBe(listed.length);
    for (const flag of listed.filter(f => f !== 'help')) expect(() => parseCommandLine([command, `--${flag}${mod.OPTIONS[flag].type === 'string' ? '=x' : ''}`])).not.toThrow(/Unknown option/);
  });

  test('its Options section is the option table, as formatOptions renders it', () => {
    expect(mod.HELP).toContain(`\nOptions:\n${formatOptions(mod.OPTIONS, descriptionColumn(mod.HELP))}\n\n`);
  });

  test('its usage names only flags it parses', () => {
    const named = [...usage(mod.HELP).matchAll(/(?<![\w-])--([a-z][a-z-]*)|(?<![\w-])-([a-z])\b/g)].map(m => m[1] ?? m[2]);
    const known = new Set([...Object.keys(mod.OPTIONS), ...Object.values(mod.OPTIONS).flatMap(o => (o.short === undefined ? [] : [o.short]))]);
    expect(named.length).toBeGreaterThan(0);
    expect(named.filter(f => !known.has(f))).toEqual([]);
  });

  test('the text', () => {
    expect(mod.HELP).toMatchSnapshot();
  });
});

test('no command module writes an "Options:" section by hand: commandHelp renders it from the table', () => {
  const dir = path.join(__dirname, '../../src/cli');
  const writers = fs.readdirSync(dir).filter(f => f.endsWith('.ts') && f !== 'command.ts' && fs.readFileSync(path.join(dir, f), 'utf8').includes('Options:'));
  expect(writers).toEqual([]);
});

describe('gate and shift, whose flags the gate settings give', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const gate: typeof import('../../src/cli/gate') = require('../../src/cli/gate');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const shift: typeof import('../../src/cli/shift') = require('../../src/cli/shift');

  test('gate has a flag, with a value name, for every setting of the gate', () => {
    const table: OptionTable = gate.OPTIONS;
    for (const key of GATE_SETTING_KEYS) expect({ key, value: table[key]?.value }).toEqual({ key, value: expect.any(String) });
  });

  test("shift's --gate lists every setting, with the value name of gate's flag", () => {
    const table: OptionTable = gate.OPTIONS;
    const description = shift.OPTIONS.gate.description.replace(/\n/g, '');
    expect(description).toContain(`prometheus=${table.prometheus.value}[`);
    for (const key of GATE_SETTING_KEYS.filter(k => k !== 'prometheus')) expect(description).toContain(`[,${key}=${table[key].value}]`);
  });

  test("a flag added to gate's table is in its help, under its group", () => {
    const table = { ...gate.OPTIONS, 'step': { type: 'string', value: 'N', description: 'the step', group: 'With --slo' } } as OptionTable;
    const options = formatOptions(table, 30);
    expect(options).toMatch(/\nWith --slo:\n(.+\n)*  --step N {22}the step\n\nQueries/);
    expect(listedFlags(`\nOptions:\n${options}`)).toContain('step');
  });
});
