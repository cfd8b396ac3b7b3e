/**
 * `--app MODULE`, the flag of every command that loads the program (see `resolveAppModule`).
 * Its own module: `gate` lists it without loading what loads the program.
 */
import { defineOptions } from './args';

/** `--app MODULE`: the program (see `resolveAppModule`). */
export const APP_OPTION = defineOptions({
  app: { type: 'string', value: 'MODULE', description: 'program module exporting createApp(props) (default: the\n"cdk8s-gitops".app entry of ./package.json)' },
});
