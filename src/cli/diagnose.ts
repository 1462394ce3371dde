// `radixnet diagnose`: what a RadiX-Net's trimmed topology says about trainability, before training it.
import type { Command } from 'commander';
import { diagnoseRadixNet, riskSectionLines, type RadixDiagnosis, type Spread } from '../analysis/diagnose.js';
import type { Io } from './io.js';
import { addNetworkOptions, type NetworkOptions } from './options.js';

export type DiagnoseOptions = NetworkOptions;

/** Diagnoses the network and answers with the diagnosis. */
export function diagnoseRun(opts: DiagnoseOptions, io: Io): void {
  const d = diagnoseRadixNet(opts.radices, opts.layers, { kron: opts.kron });
  io.result(d, () => report(d, opts.kron !== undefined));
}

/** Adds `radixnet diagnose <radices>` to the program. */
export function registerDiagnose(program: Command, io: Io): void {
  addNetworkOptions(
    program
      .command('diagnose')
      .description(
        "say what a RadiX-Net's topology alone tells about trainability: fan-in/fan-out, units cut off, " +
          'what reaches each output class, input->output path counts, a verdict (ok / at risk) and, when at risk, ' +
          'nearby radix lists that are not',
      ),
  )
    .option('--json', 'print the diagnosis as JSON (docs/cli.md)')
    .addHelpText(
      'after',
      '\nExamples:\n  radixnet diagnose 10,10/10\n  radixnet diagnose 10,10/1 --json\n' +
        '  radixnet diagnose 4,4/2 --layers 32,32,32,8',
    )
    .action((radices: string, flags: Omit<DiagnoseOptions, 'radices'>) =>
      diagnoseRun({ radices, layers: flags.layers, kron: flags.kron }, io),
    );
}

function report(d: RadixDiagnosis, customKron: boolean): string {
  const lines = [
    `RadiX-Net ${d.radices} on ${d.layers.join(',')}: N = ${d.N}, Kronecker widths B = ${d.kron.join(',')}, ` +
      `sparsity ${d.sparsity.toFixed(6)}, kronecker sparsity ${d.kroneckerSparsity.toFixed(6)}`,
    '',
    ...table(
      ['layer', 'shape', 'nonzeros', 'fan-in min/med/max', 'fan-out min/med/max'],
      d.weightLayers.map((w, l) => [
        String(l),
        `${w.nIn} x ${w.nOut}`,
        String(w.nnz),
        triple(w.fanIn),
        triple(w.fanOut),
      ]),
    ),
    '',
    ...table(
      ['units', 'size', 'no input', 'no output', 'unreachable', 'reach no output'],
      d.unitLayers.map((u, l) => [
        unitName(l, d.layers.length - 1),
        String(u.size),
        String(u.noInput),
        String(u.noOutput),
        String(u.unreachable),
        String(u.useless),
      ]),
    ),
  ];
  if (d.classes && d.paths) {
    const hidden = d.layers.slice(1, -1).map((_, k) => `h${k + 1} reach`);
    lines.push(
      '',
      ...table(
        ['output', 'fan-in', ...hidden, 'pixels', 'paths min/med/max'],
        d.classes.map((c) => [
          String(c.output),
          String(c.fanIn),
          ...c.hiddenReach.map(String),
          String(c.inputReach),
          triple(c.paths),
        ]),
      ),
    );
    lines.push(
      `paths per (input, output) pair: min/median/max ${triple(d.paths.perPair)}; ${d.paths.zeroPairs} of ` +
        `${d.paths.pairs} pairs have none`,
    );
  } else if (d.skipped) {
    lines.push('', d.skipped);
  }
  lines.push('', `verdict: ${d.verdict}${d.predictedStrange ? ' (predicted strange)' : ''}`);
  for (const r of d.risks) lines.push(`  - ${r.text}`);
  lines.push(...riskSectionLines(d));
  if (d.verdict !== 'ok') {
    if (customKron) lines.push('no alternatives suggested: they are searched with the default Kronecker widths only');
    else if (d.suggestions.length === 0)
      lines.push('no nearby radix list of the same or higher sparsity avoids the problem');
    else {
      lines.push('nearby radix lists of the same or higher sparsity without the problem:');
      for (const s of d.suggestions) {
        lines.push(
          `  ${s.radices}  sparsity ${s.sparsity.toFixed(6)}, kronecker sparsity ${s.kroneckerSparsity.toFixed(6)}, ` +
            `smallest output fan-in ${s.minOutputFanIn}`,
        );
      }
    }
  }
  return lines.join('\n');
}

function unitName(l: number, depth: number): string {
  return l === 0 ? 'inputs' : l === depth ? 'outputs' : `hidden ${l}`;
}

function triple(s: Spread): string {
  return `${fmt(s.min)}/${fmt(s.median)}/${fmt(s.max)}`;
}

function fmt(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toFixed(1);
}

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, k) => rows.reduce((w, r) => Math.max(w, r[k].length), h.length));
  const line = (cells: string[]): string =>
    cells
      .map((c, k) => (k === 0 ? c.padEnd(widths[k]) : c.padStart(widths[k])))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}
