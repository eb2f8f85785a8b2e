// Placeholder until this command's issue lands; replaced by the real command.
export async function run(_argv: string[]): Promise<number> {
  console.error('knnkit evaluate: not available yet');
  return 1;
}
