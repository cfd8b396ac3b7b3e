/**
 * Every command's `--help`: its "Options" section is its option table as `formatOptions`
 * renders it (no command keeps a list of its flags by hand), it lists every flag the command
 * parses, every flag its text names is one the command parses, and its text is pinned. And
 * docs/cli.md's section of each command names every flag of it and no other.
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

/** Programs whose flags a help's examples show (`gh pr create --base ...`): not the command's flags. */
const OTHER_PROGRAMS = ['gh', 'git', 'jq', 'kubectl'];

/**
 * The flags `help` names as `command`'s own (`--env`, `-o`; as written, without dashes), in
 * its usage, its prose, its options and its examples; not those of another command or program
 * (`release --canary` in backticks, `git pull --ff-only`, an example line `gh pr create --base`
 * with its continuation lines).
 */
function namedFlags(help: string, command: string): string[] {
  const own = help
    .replace(/`([^`\n]*)`/g, (span, inner: string) => (/^[a-z]/.test(inner) && !inner.startsWith(`cdk8s-gitops ${command}`) && !inner.startsWith(`${command} `) ? '' : span))
    .replace(new RegExp(`^ *(?:${OTHER_PROGRAMS.join('|')}) (?:.*\\\\\\n)*.*$`, 'gm'), '');
  return [...own.matchAll(/(?<![\w-])--([a-z][a-z-]*)|(?<![\w-])-([a-z])\b/g)].map(m => m[1] ?? m[2]);
}

/** Whether the parser takes `flag` (a long name or a letter) on `command`'s command line. */
function parses(command: string, flag: string, options: OptionTable): boolean {
  const spec = flag.length === 1 ? Object.values(options).find(o => o.short === flag) : options[flag];
  const word = flag.length === 1 ? `-${flag}` : `--${flag}`;
  try {
    parseCommandLine([command, spec?.type === 'string' ? `${word}=x` : word]);
  } catch (e) {
    if (/Unknown option/.test(String(e))) return false;
  }
  return true;
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

  test('every flag its text names (usage, prose, options, examples) is one the command parses', () => {
    const named = namedFlags(mod.HELP, command);
    expect(named.length).toBeGreaterThan(0);
    expect([...new Set(named)].filter(flag => !parses(command, flag, mod.OPTIONS))).toEqual([]);
  });

  test('the text', () => {
    expect(mod.HELP).toMatchSnapshot();
  });
});

test('namedFlags: the flags of other commands and programs are not the command\'s', () => {
  const help = 'Usage: cdk8s-gitops shift --env ENV [-o json]\n\nafter `release --canary`, as `gate --slo` does, `git pull --ff-only`; `--push` and `cdk8s-gitops shift --cluster`\n'
    + '  gh pr create --base "$(jq -r .base pr.json)" \\\n    --title T --body B\n  cdk8s-gitops shift --weights v2=10 \\\n    --gate prometheus=URL\n';
  expect(namedFlags(help, 'shift')).toEqual(['env', 'o', 'push', 'cluster', 'weights', 'gate']);
});

describe('docs/cli.md', () => {
  const doc = fs.readFileSync(path.join(__dirname, '../../docs/cli.md'), 'utf8');
  /** The sections by heading (`## release` ...), without the JSON documents they show (output, not command lines). */
  const sections = new Map(doc.split(/^## /m).slice(1).map(part => [part.slice(0, part.indexOf('\n')).trim(), part.replace(/^```json\n[\s\S]*?^```$/gm, '')]));
  /** The flags the "Conventions" section describes for every command that has them. */
  const SHARED = ['output', 'app', 'json', 'format'];

  test('the Conventions section describes the shared flags', () => {
    const conventions = sections.get('Conventions (every command)') ?? '';
    expect(SHARED.filter(flag => !conventions.includes(`--${flag}`))).toEqual([]);
  });

  describe.each(Object.keys(COMMANDS))('## %s', command => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod: { OPTIONS: OptionTable } = require(`../../src/cli/${command}`);
    const section = sections.get(command) ?? '';

    test('names every flag of the command (the shared ones: in Conventions)', () => {
      const named = new Set(namedFlags(section, command));
      expect(section).not.toBe('');
      expect(Object.keys(mod.OPTIONS).filter(flag => !named.has(flag) && !SHARED.includes(flag))).toEqual([]);
    });

    test('names no flag the command does not parse', () => {
      expect([...new Set(namedFlags(section, command))].filter(flag => !parses(command, flag, mod.OPTIONS))).toEqual([]);
    });
  });
});

describe('gate and shift, whose flags the gate settings give', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const gate: typeof import('../../src/cli/gate') = require('../../src/cli/gate');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const shift: typeof import('../../src/cli/shift') = require('../../src/cli/shift');
  const gateFlags: OptionTable = gate.OPTIONS;

  test('gate has a flag, with a value name, for every setting of the gate', () => {
    for (const key of GATE_SETTING_KEYS) expect({ key, value: gateFlags[key]?.value }).toEqual({ key, value: expect.any(String) });
  });

  test("shift's --gate names every setting, as KEY=DEFAULT (gate's default) or KEY=VALUE (gate's value name)", () => {
    const description = shift.OPTIONS.gate.description;
    const wrong = GATE_SETTING_KEYS.flatMap(key => {
      const shown = new RegExp(`(?:^|[\\s[,|])${key}=([^\\s\\][,|]+)`).exec(description)?.[1];
      const gateDefault = /\(default: ([^)]+)\)/.exec(gateFlags[key].description ?? '')?.[1];
      return shown !== undefined && (shown === gateFlags[key].value || shown === gateDefault) ? [] : [`${key}=${shown} (gate: ${gateFlags[key].value}, default ${gateDefault})`];
    });
    expect(wrong).toEqual([]);
  });
});
