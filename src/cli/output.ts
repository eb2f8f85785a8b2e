/**
 * Where `evaluate` and `predict` write their results (stdout). One indirection so that in-process
 * callers, tests in particular, can collect the output: node:test workers report to their parent
 * through process.stdout, so patching process.stdout.write would swallow the test protocol.
 */
export const output = {
  write(text: string): void {
    process.stdout.write(text);
  },
};
