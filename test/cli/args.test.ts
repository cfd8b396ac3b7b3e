import { defineOptions, formatOptions, optionGroup, OptionTable, parseOptions } from '../../src/cli/args';
import { UsageError } from '../../src/core/errors';
import { COMMANDS, parseCommandLine } from '../../src/cli/main';

const TABLE: OptionTable = {
  'env': { type: 'string' },
  'service': { type: 'string', list: true },
  'push': { type: 'boolean' },
  'output': { type: 'string', short: 'o', choices: ['text', 'json'] },
  'json': { type: 'boolean', aliasOf: { flag: 'output', value: 'json' } },
  'format': { type: 'string', aliasOf: { flag: 'output' } },
};

function usageError(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as Error).message;
  }
  throw new Error('no usage error');
}

describe('parseOptions', () => {
  test('--flag value and --flag=value alike; -o json, -o=json, -ojson', () => {
    for (const argv of [['--env', 'dev', '-o', 'json'], ['--env=dev', '-o=json'], ['--env=dev', '-ojson'], ['--env', 'dev', '--output=json']]) {
      expect(parseOptions(argv, TABLE)).toEqual({ values: { env: 'dev', output: 'json' }, positionals: [], notes: [], help: false });
    }
  });

  test('a list flag: repeated, comma-separated, or several words after it', () => {
    for (const argv of [['--service', 'a', '--service', 'b', '--service', 'c'], ['--service', 'a,b', '--service=c'], ['--service', 'a', 'b', 'c'], ['--service', ' a , b,c']]) {
      expect(parseOptions(argv, TABLE).values.service).toEqual(['a', 'b', 'c']);
    }
  });

  test('words after the list end at the next flag: a stray word elsewhere is refused', () => {
    expect(parseOptions(['--service', 'a', 'b', '--push'], TABLE).values).toEqual({ service: ['a', 'b'], push: true });
    expect(usageError(() => parseOptions(['--push', 'x'], TABLE))).toBe('unexpected argument "x"');
    expect(usageError(() => parseOptions(['--service', 'a', '--env', 'dev', 'b'], TABLE))).toBe('unexpected argument "b"');
  });

  test.each([
    [['--env', ''], '--env: "" is blank; give a value'],
    [['--env='], '--env: "" is blank; give a value'],
    [['--env', '  '], '--env: "  " is blank; give a value'],
    [['--service', ''], '--service: "" is blank; give a value'],
    [['--service', ','], '--service: "," is blank; give one or more names separated by commas'],
    [['--service', ' , '], '--service: " , " is blank; give one or more names separated by commas'],
    [['--service', 'a,,b'], '--service: "a,,b" has an empty item; give names separated by commas'],
    [['--service', 'a,'], '--service: "a," has an empty item; give names separated by commas'],
    [['--service', 'a', ''], '--service: "" is blank; give a value'],
    [['-o', 'xml'], '-o/--output: "xml" is not one of text, json'],
    [['--format', 'xml'], '--format: "xml" is not one of text, json'],
    [['--env', 'dev', '--env', 'prod'], '--env is given 2 times ("dev", "prod"); give it once'],
    [['--json', '-o', 'text'], '--json and --output "text" contradict each other; give only --output'],
    [['--bogus'], "Unknown option '--bogus'"],
    [['--env'], "Option '--env <value>' argument missing"],
    [['--env', '--push'], "Option '--env' argument is ambiguous. Did you forget to specify the option argument for '--env'? To specify an option argument starting with a dash use '--env=-XYZ'."],
    [['--push=yes'], "Option '--push' does not take an argument"],
  ])('%j is a usage error: %s', (argv, message) => {
    expect(usageError(() => parseOptions(argv, TABLE))).toBe(message);
  });

  test('the same value twice is not a contradiction', () => {
    expect(parseOptions(['--env', 'dev', '--env=dev', '--push', '--push'], TABLE).values).toEqual({ env: 'dev', push: true });
  });

  test('deprecated spellings still work, with a note', () => {
    expect(parseOptions(['--json'], TABLE)).toMatchObject({ values: { output: 'json' }, notes: ['--json is deprecated; use -o json'] });
    expect(parseOptions(['--format', 'json', '-o', 'json'], TABLE)).toMatchObject({ values: { output: 'json' }, notes: ['--format json is deprecated; use -o json'] });
  });

  test('positionals: as many as the command takes, none blank', () => {
    const spec = { name: 'DIR', max: 1 };
    expect(parseOptions(['out', '-o', 'json'], TABLE, spec).positionals).toEqual(['out']);
    expect(parseOptions(['-'], TABLE, spec).positionals).toEqual(['-']);
    expect(parseOptions(['--', '--odd-name'], TABLE, spec).positionals).toEqual(['--odd-name']);
    expect(usageError(() => parseOptions(['a', 'b'], TABLE, spec))).toBe('only 1 DIR may be given (got "a", "b")');
    expect(usageError(() => parseOptions([''], TABLE, spec))).toBe('DIR: "" is blank; give a path');
  });

  test('-h/--help wins over everything else', () => {
    expect(parseOptions(['--env', '', '-h'], TABLE).help).toBe(true);
    expect(parseOptions(['--help'], TABLE).help).toBe(true);
  });
});

describe('parseCommandLine', () => {
  test('every command has an option table, and -h parses for each', () => {
    for (const command of Object.keys(COMMANDS)) {
      expect(parseCommandLine([command, '-h'])).toEqual({ command, values: {}, positionals: [] });
    }
  });

  test.each([
    [['synth', '--app=lib/main.js', '--out', 'dist', '-o', 'json'], { app: 'lib/main.js', out: 'dist', output: 'json' }, []],
    [['validate', 'dist', '--output=sarif'], { output: 'sarif' }, ['dist']],
    [['validate', '-', '-o', 'junit'], { output: 'junit' }, ['-']],
    [['release', '--gitops-dir=.', '--env=dev', '--tag=abc1234', '--service', 'a', 'b', '--push', '--retries=3'], { 'gitops-dir': '.', 'env': 'dev', 'tag': 'abc1234', 'service': ['a', 'b'], 'push': true, 'retries': '3' }, []],
    [['promote', '--gitops-dir', '.', '--from=dev', '--to=prod', '--json'], { 'gitops-dir': '.', 'from': 'dev', 'to': 'prod', 'output': 'json' }, []],
    [['rollback', '--gitops-dir=.', '--env=prod', '-o', 'json'], { 'gitops-dir': '.', 'env': 'prod', 'output': 'json' }, []],
    [['diff', '--gitops-dir=.', '--exit-code', '-ojson'], { 'gitops-dir': '.', 'exit-code': true, 'output': 'json' }, []],
    [['status', '--gitops-dir=.', '--rev=HEAD~1'], { 'gitops-dir': '.', 'rev': 'HEAD~1' }, []],
  ])('%j', (argv, values, positionals) => {
    expect(parseCommandLine(argv)).toEqual({ command: argv[0], values, positionals });
  });

  test('--version', () => {
    expect(parseCommandLine(['--version'])).toEqual({ command: 'version', values: {}, positionals: [] });
  });

  test.each([
    [['deploy'], /unknown command "deploy"/],
    [[], /unknown command ""/],
    [['release', '--service', ''], /--service: "" is blank/],
    [['synth', '-o', 'sarif'], /-o\/--output: "sarif" is not one of text, json/],
    [['status', 'extra'], /unexpected argument "extra"/],
    [['validate', '--json'], /Unknown option '--json'/],
  ])('%j is refused', (argv, message) => {
    expect(usageError(() => parseCommandLine(argv))).toMatch(message);
  });
});

describe('formatOptions (the options section of a help, from the table)', () => {
  test('a line per flag in the table\'s order, then -h; descriptions from the column, later lines indented to it', () => {
    const table = defineOptions({
      'env': { type: 'string', value: 'ENV', description: 'environment, e.g. dev' },
      'push': { type: 'boolean', description: 'push to the remote;\nretried when someone pushed first' },
      'output': { type: 'string', short: 'o', value: 'FMT', description: 'text or json' },
    });
    expect(formatOptions(table)).toBe([
      '  --env ENV          environment, e.g. dev',
      '  --push             push to the remote;',
      '                     retried when someone pushed first',
      '  -o, --output FMT   text or json',
      '  -h, --help         show this help',
    ].join('\n'));
    expect(formatOptions(table, 20).split('\n')[0]).toBe('  --env ENV         environment, e.g. dev');
  });

  test('a flag a little too long keeps its description on its line; a longer one gets it on the next', () => {
    const table = defineOptions({
      'source-commit': { type: 'string', value: 'SHA', description: 'commit the image was built from\n(default: the CI\'s)' },
      'kubernetes-version': { type: 'string', value: 'X.Y', description: 'the Kubernetes minor' },
    });
    expect(formatOptions(table)).toBe([
      '  --source-commit SHA  commit the image was built from',
      '                     (default: the CI\'s)',
      '  --kubernetes-version X.Y',
      '                     the Kubernetes minor',
      '  -h, --help         show this help',
    ].join('\n'));
  });

  test('the flags of a group after the others and -h, under its heading, the groups in the order of their first flag', () => {
    const table = defineOptions({
      'slo': { type: 'string', value: 'SERVICE', description: 'the objective', group: 'With --slo' },
      'prometheus': { type: 'string', value: 'URL', description: 'base URL' },
      ...optionGroup('Queries', { 'latency-query': { type: 'string', value: 'PROMQL', description: 'the latency\ncheck' } }),
      'env': { type: 'string', value: 'ENV', description: 'the environment', group: 'With --slo' },
      'window': { type: 'string', value: 'W', description: 'the window' },
    });
    expect(formatOptions(table, 28)).toBe([
      '  --prometheus URL          base URL',
      '  --window W                the window',
      '  -h, --help                show this help',
      '',
      'With --slo:',
      '  --slo SERVICE             the objective',
      '  --env ENV                 the environment',
      '',
      'Queries:',
      '  --latency-query PROMQL    the latency',
      '                            check',
    ].join('\n'));
  });

  test('optionGroup gives each flag the heading and keeps the rest of its spec', () => {
    expect(optionGroup('With --slo', { env: { type: 'string', short: 'e', value: 'ENV', description: 'the environment' } }))
      .toEqual({ env: { type: 'string', short: 'e', value: 'ENV', description: 'the environment', group: 'With --slo' } });
  });

  test('a flag without a description is an error: the help cannot leave out a flag the command parses', () => {
    expect(() => formatOptions({ env: { type: 'string' } })).toThrow('option --env has no description for the help');
  });
});

test('the values are typed by the table (checked by tsc -p tsconfig.test.json)', () => {
  const table = defineOptions({
    env: { type: 'string' },
    service: { type: 'string', list: true },
    push: { type: 'boolean' },
    ci: { type: 'string', choices: ['github', 'jenkins'] },
  });
  const { values } = parseOptions(['--env', 'dev', '--service', 'a,b', '--push', '--ci', 'github'], table);
  const env: string | undefined = values.env;
  const services: string[] | undefined = values.service;
  const push: boolean | undefined = values.push;
  const ci: 'github' | 'jenkins' | undefined = values.ci;
  // @ts-expect-error a flag the table does not have cannot be read
  expect(values.remote).toBeUndefined();
  // @ts-expect-error a list flag is not a string
  const one: string | undefined = values.service;
  expect({ env, services, push, ci, one }).toEqual({ env: 'dev', services: ['a', 'b'], push: true, ci: 'github', one: ['a', 'b'] });
});
