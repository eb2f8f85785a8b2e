// Child-process entry for the server tests: `knnkit serve` (the CLI command) with the given argv.
import { run } from '../../src/cli/commands/serve.js';

run(process.argv.slice(2)).then((code) => process.exit(code), (e) => { console.error(String((e as Error)?.message ?? e)); process.exit(2); });
