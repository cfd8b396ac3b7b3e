/**
 * The `clusters:` section of a release file lists what a cluster runs that differs from the
 * environment's: a compression of the file. The release value (`EnvironmentRelease`) holds what
 * each cluster runs whole; the section is read and written only where release files are parsed
 * and rendered (and where their entries are checked against the program). This test finds, with
 * the TypeScript compiler, every read or write of `clusters` on a `ReleaseState` in src/.
 */
import * as path from 'path';
import * as ts from 'typescript';

const ROOT = path.join(__dirname, '..', '..');

/** The modules of the release file: its format, its parse into the release value and back, the check of its entries. */
const FILE_MODULES = ['src/release/release.ts', 'src/release/environment-release.ts', 'src/gitops/release-entries.ts'];

function releaseStateClusterUses(): string[] {
  const config = ts.getParsedCommandLineOfConfigFile(path.join(ROOT, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: d => { throw new Error(String(d.messageText)); } })!;
  const program = ts.createProgram(config.fileNames, { ...config.options, noEmit: true });
  const checker = program.getTypeChecker();
  const isReleaseState = (t: ts.Type | undefined): boolean => {
    if (t === undefined) return false;
    if (t.isUnion()) return t.types.some(isReleaseState);
    return (t.aliasSymbol ?? t.getSymbol())?.getName() === 'ReleaseState';
  };
  const out: string[] = [];
  for (const file of program.getSourceFiles()) {
    const rel = path.relative(ROOT, file.fileName).split(path.sep).join('/');
    if (!rel.startsWith('src/') || FILE_MODULES.includes(rel)) continue;
    const at = (node: ts.Node) => `${rel}:${file.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
    const visit = (node: ts.Node): void => {
      if (ts.isPropertyAccessExpression(node) && node.name.text === 'clusters' && isReleaseState(checker.getTypeAtLocation(node.expression))) {
        out.push(`${at(node)}: reads ${node.getText()}`);
      } else if (ts.isElementAccessExpression(node) && ts.isStringLiteral(node.argumentExpression) && node.argumentExpression.text === 'clusters'
        && isReleaseState(checker.getTypeAtLocation(node.expression))) {
        out.push(`${at(node)}: reads ${node.getText()}`);
      } else if ((ts.isPropertyAssignment(node) || ts.isShorthandPropertyAssignment(node)) && node.name.getText() === 'clusters'
        && ts.isObjectLiteralExpression(node.parent) && isReleaseState(checker.getContextualType(node.parent))) {
        out.push(`${at(node)}: writes clusters`);
      } else if (ts.isBindingElement(node) && (node.propertyName ?? node.name).getText() === 'clusters'
        && isReleaseState(checker.getTypeAtLocation(node.parent))) {
        out.push(`${at(node)}: reads clusters`);
      }
      ts.forEachChild(node, visit);
    };
    visit(file);
  }
  return out;
}

test('only the release file\'s modules read or write its cluster entries (everything else asks the release value what a cluster runs)', () => {
  expect(releaseStateClusterUses()).toEqual([]);
}, 120_000);
