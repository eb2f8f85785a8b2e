import type { ExperimentResult } from './experiment.js';

/** The experiment's tables as markdown (what docs/knn-lm.md and the README record). */
export function experimentTables(r: ExperimentResult): string {
  const f = (x: number, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : String(x));
  const lines: string[] = [];
  const m = r.model;
  lines.push(`Model: feed-forward ${m.context + 1}-gram net, d=${m.embedDim}, H=${m.hidden}, vocabulary ${r.vocabularySize}, ` +
    `${(r.parameters / 1e6).toFixed(2)} M parameters; ${r.trainTokens} training positions, ${m.epochs} epochs in ${f(r.trainSeconds, 0)} s ` +
    `(train cross-entropy per epoch ${m.losses.map((l) => f(l, 3)).join(', ')}); seed ${r.seed}.`, '');
  lines.push('| claim | train -> datastore -> eval | datastore entries | test tokens (OOV) | PPL LM | PPL LM + unigram (control) | PPL kNN-LM | k | T | λ | ms/token (search) | ms/token (LM) |');
  lines.push('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  r.claims.forEach((c, i) => lines.push(`| ${i + 1} | ${c.train} -> ${c.datastore} -> ${c.eval} | ${c.datastoreSize} | ${c.evalTokens} (${f(100 * c.oovRate, 1)} %) | ${f(c.perplexityLM)} | ${f(c.unigram.perplexity)} (λ=${c.unigram.lambda}) | **${f(c.perplexity)}** | ${c.best.k} | ${c.best.temperature} | ${c.best.lambda} | ${f(c.msPerToken, 3)} | ${f(c.lmMsPerToken, 3)} |`));
  for (const [i, c] of r.claims.entries()) {
    lines.push('', `Claim ${i + 1} (${c.train} -> ${c.datastore} -> ${c.eval}), test perplexity per λ (k=${c.best.k}, T=${c.best.temperature}) and per k (λ=${c.best.lambda}); validation chose k/T/λ (valid PPL ${f(c.best.validPerplexityLM)} -> ${f(c.best.validPerplexity)}):`, '');
    const byL = c.runs.filter((x) => x.k === c.best.k && x.temperature === c.best.temperature);
    const byK = c.runs.filter((x) => x.lambda === c.best.lambda).sort((a, b) => a.k - b.k);
    lines.push(`| λ | ${byL.map((x) => x.lambda).join(' | ')} |`, `| --- | ${byL.map(() => '---:').join(' | ')} |`, `| PPL | ${byL.map((x) => f(x.perplexity)).join(' | ')} |`, '');
    lines.push(`| k | ${byK.map((x) => x.k).join(' | ')} |`, `| --- | ${byK.map(() => '---:').join(' | ')} |`, `| PPL | ${byK.map((x) => f(x.perplexity)).join(' | ')} |`, '');
    lines.push('| datastore family | build s | memory MiB | bytes / entry | ms / token (k=' + Math.max(...c.runs.map((x) => x.k)) + ') | test PPL at the chosen k/T/λ |');
    lines.push('| --- | ---: | ---: | ---: | ---: | ---: |');
    for (const fam of c.families) lines.push(`| ${fam.kind} | ${f(fam.buildSeconds, 1)} | ${f(fam.memoryBytes / 2 ** 20, 1)} | ${f(fam.bytesPerEntry, 0)} | ${f(fam.msPerToken, 3)} | ${f(fam.perplexity)} |`);
  }
  return lines.join('\n');
}
