/**
 * The `cdk8s-gitops` command lines of a shell script, as the shell would pass them to the CLI:
 * for checking CI templates with the CLI's own option tables (`parseCommandLine`) without running
 * anything. Enough of sh for command lines: quotes, backslashes, line continuations, `$VAR` and
 * `${VAR}` (sample values), comments, and the operators that end a command.
 */
import { Script } from './templates';

/** A `cdk8s-gitops` command line found in a script. */
export interface CommandLine {
  /** Where the script is. */
  readonly where: string;
  /** The command line as written (continuation lines joined). */
  readonly text: string;
  /** What the CLI gets: the words after `cdk8s-gitops`, variables replaced by sample values. */
  readonly argv: string[];
}

/** Words of sh up to the first operator (`|`, `&&`, `;`, `>`, ...), a comment or the end of the line. */
export function simpleCommand(text: string, vars: Readonly<Record<string, string>>): string[] {
  const words: string[] = [];
  let word: string | undefined; // undefined: between words
  const expand = (at: number): [string, number] => {
    const m = /^\$(?:\{([A-Za-z_]\w*)\}|([A-Za-z_]\w*))/.exec(text.slice(at));
    if (!m) throw new Error(`unsupported expansion ${JSON.stringify(text.slice(at, at + 12))} in ${JSON.stringify(text)}`);
    const name = m[1] ?? m[2];
    if (!(name in vars)) throw new Error(`no sample value for $${name} in ${JSON.stringify(text)}`);
    return [vars[name], at + m[0].length];
  };
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '\\' && text[i + 1] === '\n') {
      i += 2;
    } else if (c === '\\') {
      word = (word ?? '') + (text[i + 1] ?? '');
      i += 2;
    } else if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) throw new Error(`unterminated ' in ${JSON.stringify(text)}`);
      word = (word ?? '') + text.slice(i + 1, end);
      i = end + 1;
    } else if (c === '"') {
      let w = word ?? '';
      for (i++; text[i] !== '"'; ) {
        if (i >= text.length) throw new Error(`unterminated " in ${JSON.stringify(text)}`);
        if (text[i] === '\\' && '"\\$`\n'.includes(text[i + 1])) {
          if (text[i + 1] !== '\n') w += text[i + 1];
          i += 2;
        } else if (text[i] === '$') {
          const [value, next] = expand(i);
          w += value;
          i = next;
        } else if (text[i] === '`') {
          throw new Error(`command substitution is not supported: ${JSON.stringify(text)}`);
        } else {
          w += text[i++];
        }
      }
      word = w;
      i++;
    } else if (c === '$') {
      const [value, next] = expand(i);
      word = (word ?? '') + value;
      i = next;
    } else if (c === '`') {
      throw new Error(`command substitution is not supported: ${JSON.stringify(text)}`);
    } else if (c === '\n' || '|&;<>()'.includes(c) || (c === '#' && word === undefined)) {
      break;
    } else if (c === ' ' || c === '\t') {
      if (word !== undefined) words.push(word);
      word = undefined;
      i++;
    } else {
      word = (word ?? '') + c;
      i++;
    }
  }
  // an io number (`2>`) is part of the redirection, not a word
  if (word !== undefined && !(/^\d+$/.test(word) && /[<>]/.test(text[i] ?? ''))) words.push(word);
  return words;
}

/**
 * Every command line of `script` that runs `cdk8s-gitops` (directly, by path, or through
 * `npx [--prefix DIR]`) at the start of a command; comment lines are skipped.
 */
export function commandLines(script: Script, vars: Readonly<Record<string, string>>): CommandLine[] {
  const found: CommandLine[] = [];
  const lines = script.text.replace(/\\\n/g, ' ').split('\n');
  for (const line of lines) {
    const start = /(?:^|;|&&|\|\||\bthen|\bdo)\s*((?:npx\s+(?:--prefix[= ]\S+\s+)?)?(?:\S*\/)?cdk8s-gitops(?:\s|$))/.exec(line);
    if (!start || line.trim().startsWith('#')) continue;
    const text = line.slice(start.index + start[0].length - start[1].length).trim();
    const words = simpleCommand(text, vars);
    const at = words.findIndex(w => w === 'cdk8s-gitops' || w.endsWith('/cdk8s-gitops'));
    found.push({ where: script.where, text, argv: words.slice(at + 1) });
  }
  return found;
}

/** The flags a command's usage line (`Usage: cdk8s-gitops CMD --a A [--b B]`) names outside brackets: the required ones. */
export function requiredFlags(help: string): string[] {
  const usage = /^Usage: .*$/m.exec(help);
  if (!usage) throw new Error('no usage line');
  let outside = usage[0];
  while (/\[[^[\]]*\]/.test(outside)) outside = outside.replace(/\[[^[\]]*\]/g, '');
  return [...outside.matchAll(/--[a-z][a-z-]*/g)].map(m => m[0]);
}
