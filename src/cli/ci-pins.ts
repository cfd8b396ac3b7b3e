/**
 * The GitHub Actions the CI templates use, each pinned to the full commit SHA of a release: the
 * one place the pins live. `init --ci github` writes them into the workflows it ships (a
 * template says `uses: owner/repo@{{pin}}`), and the tests hold every `uses:` of examples/ and
 * the pin table of docs/ci-templates.md to this list. Bump a pin here (after checking it with
 * `git ls-remote https://github.com/OWNER/REPO refs/tags/vX.Y.Z 'refs/tags/vX.Y.Z^{}'`), then
 * in examples/ and the docs.
 */

/** A pinned action: the commit and the release it is. */
export interface ActionPin {
  /** Full 40-hex commit SHA of the release. */
  readonly sha: string;
  /** The release, `vX.Y.Z`. */
  readonly version: string;
}

/** Every action the templates use, by `owner/repo`. */
export const ACTION_PINS: Readonly<Record<string, ActionPin>> = {
  'actions/checkout': { sha: '3d3c42e5aac5ba805825da76410c181273ba90b1', version: 'v7.0.1' },
  'actions/setup-node': { sha: '820762786026740c76f36085b0efc47a31fe5020', version: 'v7.0.0' },
  'actions/setup-python': { sha: '5fda3b95a4ea91299a34e894583c3862153e4b97', version: 'v7.0.0' },
  'actions/upload-artifact': { sha: '043fb46d1a93c77aae656e7c1c64a875d1fc6a0a', version: 'v7.0.1' },
  'actions/download-artifact': { sha: '3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c', version: 'v8.0.1' },
  'docker/setup-buildx-action': { sha: 'f87e5991a6d7451dcb8d9637bfbc97413f497069', version: 'v4.4.1' },
  'docker/build-push-action': { sha: 'c3c9e263c25d99ce0380d002d59b67737d91b0dc', version: 'v7.4.0' },
  'docker/login-action': { sha: 'dbcb813823bdd20940b903addbd779551569679f', version: 'v4.6.0' },
  // a release published after the March 2026 incident (its tags were force-pushed to a credential stealer)
  'aquasecurity/trivy-action': { sha: 'ed142fd0673e97e23eac54620cfb913e5ce36c25', version: 'v0.36.0' },
};

/** The placeholder of a template's `uses:` line: `uses: actions/checkout@{{pin}}`. */
const PLACEHOLDER = /^([ \t]*(?:-[ \t]+)?uses:[ \t]*)([\w.-]+\/[\w.-]+)@\{\{pin\}\}[ \t]*$/gm;

/**
 * A workflow template with every `uses: owner/repo@{{pin}}` line pinned:
 * `uses: owner/repo@<sha> # vX.Y.Z` (the form Dependabot keeps current).
 *
 * @throws Error naming the template and the action when an action has no pin
 */
export function pinActions(template: string, text: string): string {
  return text.replace(PLACEHOLDER, (_, lead: string, action: string) => {
    const pin = ACTION_PINS[action];
    if (pin === undefined) throw new Error(`${template}: no pin for action ${action} (known: ${Object.keys(ACTION_PINS).join(', ')})`);
    return `${lead}${action}@${pin.sha} # ${pin.version}`;
  });
}
