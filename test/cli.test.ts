import { expect } from 'chai';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../src/errors.js';
import { Io } from '../src/cli/io.js';
import { captureIo, captureStreams, runBinary, runIn } from './helpers/cli.js';

describe('cli io', () => {
  it('prints the text of a result on stdout, or exactly one JSON envelope line under --json', () => {
    const text = captureIo();
    text.info('loading');
    text.result({ n: 2 }, (d) => [`n is ${d.n}`, 'done']);
    expect(text.out()).to.equal('loading\nn is 2\ndone\n');
    expect(text.err()).to.equal('');

    const json = captureIo({ json: true, command: 'thing' });
    json.info('loading');
    json.result({ n: 2 }, () => 'not printed');
    expect(json.out()).to.equal('{"command":"thing","ok":true,"data":{"n":2}}\n');
    // narration moves to stderr so stdout stays one JSON document
    expect(json.err()).to.equal('loading\n');
    expect(json.exitCode).to.equal(0);
  });

  it('a failed check shows its result, exits 1 and says why on stderr (and in the envelope)', () => {
    const text = captureIo();
    text.fail('2 runs are missing', { missing: 2 }, 'report');
    expect([text.exitCode, text.out(), text.err()]).to.deep.equal([1, 'report\n', 'radixnet: 2 runs are missing\n']);
    const json = captureIo({ json: true, command: 'merge' });
    json.fail('2 runs are missing', { missing: 2 }, 'report');
    expect(JSON.parse(json.out())).to.deep.equal({
      command: 'merge',
      ok: false,
      data: { missing: 2 },
      error: { kind: 'failed', message: '2 runs are missing', exitCode: 1 },
    });
  });

  it('shows bad input as one line and exit 2, our own errors as an internal error and exit 1, both as JSON under --json', () => {
    const input = captureIo({ json: true, command: 'topology' });
    input.error(new InputError('--layers entry 2 is 0'));
    expect(input.exitCode).to.equal(2);
    expect(input.err()).to.equal('radixnet: --layers entry 2 is 0\n');
    expect(JSON.parse(input.out())).to.deep.equal({
      command: 'topology',
      ok: false,
      error: { kind: 'input', message: '--layers entry 2 is 0', exitCode: 2 },
    });
    const internal = captureIo();
    internal.error(new TypeError('x is undefined'));
    expect(internal.exitCode).to.equal(1);
    expect(internal.out()).to.equal('');
    expect(internal.err()).to.equal(
      'radixnet: internal error: x is undefined (run with --debug for the stack trace)\n',
    );
    const debug = captureIo();
    debug.debug = true;
    debug.error(new TypeError('x is undefined'));
    expect(debug.err()).to.match(/^TypeError: x is undefined\n\s+at /);
  });

  it('draws progress bars only on a terminal, outside CI and without --json', () => {
    const on = (tty: boolean, env: Record<string, string>, json: boolean): boolean => {
      const io = new Io(captureStreams({ tty, env }));
      io.json = json;
      return io.interactive && io.bar('{bar}', {}) !== null;
    };
    expect(on(false, {}, false)).to.equal(false);
    expect(on(true, { CI: '1' }, false)).to.equal(false);
    expect(on(true, {}, true)).to.equal(false);
    expect(on(true, {}, false)).to.equal(true);
  });
});

describe('radixnet exit codes and --json', () => {
  it('exits 2 with usage for a command group without its subcommand: experiment and draw alike', async () => {
    for (const args of [['experiment'], ['draw']]) {
      const r = await runIn(args);
      expect(r.status, args.join(' ')).to.equal(2);
      expect(r.stderr, args.join(' ')).to.match(/^Usage: radixnet (experiment|draw) /m);
      expect(r.stdout).to.equal('');
    }
  });

  it('exits 2 for an unknown command or option, 0 for --help and --version', async () => {
    expect((await runIn(['nonesuch'])).status).to.equal(2);
    expect((await runIn(['topology', '10,10/10', '--nonesuch'])).status).to.equal(2);
    const help = await runIn(['--help']);
    expect(help.status).to.equal(0);
    expect(help.stdout).to.match(/^Usage: radixnet /);
    const version = await runIn(['--version']);
    expect(version.status).to.equal(0);
    expect(version.stdout).to.match(/^\d+\.\d+\.\d+\n$/);
  });

  it('reports errors as a JSON envelope on stdout under --json, whether found while parsing or while running', async () => {
    const parsing = await runIn(['topology', '10,10/10', '--layers', '784,0', '--json']);
    expect(parsing.status).to.equal(2);
    expect(JSON.parse(parsing.stdout)).to.deep.include({
      ok: false,
      error: { kind: 'input', message: parsing.stderr.slice(10).trim(), exitCode: 2 },
    });
    const running = await runIn(['topology', '10,10/7', '--json']);
    expect(running.status).to.equal(2);
    expect(JSON.parse(running.stdout)).to.deep.include({ command: 'topology', ok: false });
    const usage = await runIn(['diagnose', '--json']);
    expect(usage.status).to.equal(2);
    expect(JSON.parse(usage.stdout)).to.deep.include({
      command: 'diagnose',
      ok: false,
      error: { kind: 'usage', message: "missing required argument 'radices'", exitCode: 2 },
    });
  });

  it('passes an experiment count given as "all" as null (every run), not as an empty value', async () => {
    // the fig4 stage's plan at sparsity >= 0.98, with the options given
    const fig4Plan = (...options: string[]) =>
      runIn([
        'experiment',
        'strange-causes',
        '--stages',
        'fig4',
        '--fig4-min-sparsity',
        '0.98',
        ...options,
        '--plan',
        '--json',
      ]);
    const r = await fig4Plan('--fig4-sample', 'all', '--train-samples', 'all');
    expect(r.status).to.equal(0);
    const data = JSON.parse(r.stdout).data as { params: Record<string, unknown>; runs: unknown[] };
    expect(data.params.fig4Sample).to.equal(null);
    expect(data.params.trainSamples).to.equal(null);
    // the Fig. 4 lists of factors 1..10 at sparsity >= 0.98 (the sparsity-distribution experiment counts them)
    expect(data.runs).to.have.length(126);
    const some = await fig4Plan('--fig4-sample', '5');
    expect((JSON.parse(some.stdout).data as { runs: unknown[] }).runs).to.have.length(5);
  });

  it('answers in one envelope shape across commands: command, ok, data', async () => {
    const fixture = (name: string): string => join(process.cwd(), 'test', 'fixtures', 'results', `${name}.jsonl`);
    const dir = mkdtempSync(join(tmpdir(), 'radixnet-envelope-'));
    const cases: [string[], string, string[]][] = [
      [['topology', '2,2/2', '--layers', '8,8,4,2'], 'topology', ['radices', 'sparsity']],
      [['enumerate', '--factors', '2,3'], 'enumerate', ['lists', 'summary']],
      [
        ['experiment', 'sparsity-distribution', '--quick', '--plan'],
        'experiment sparsity-distribution',
        ['planId', 'runs'],
      ],
      [['summarize', fixture('seed-study')], 'summarize', ['experiment', 'summary']],
      [['plot', fixture('seed-study'), '--out', join(dir, 'f.svg')], 'plot', ['path', 'figure', 'caption']],
      [['draw', 'graph', '2,2/2', '--layers', '8,8,4,2', '--out', join(dir, 'g.svg')], 'draw graph', ['path', 'nodes']],
    ];
    for (const [args, command, fields] of cases) {
      const r = await runIn([...args, '--json']);
      expect(r.status, `${args.join(' ')}: ${r.stderr}`).to.equal(0);
      const envelope = JSON.parse(r.stdout) as { command: string; ok: boolean; data: object };
      expect(Object.keys(envelope)).to.deep.equal(['command', 'ok', 'data']);
      expect(envelope).to.include({ command, ok: true });
      expect(envelope.data).to.include.keys(...fields);
    }
  });

  it('the executable returns the same exit codes as the in-process CLI', () => {
    expect(runBinary(['experiment']).status).to.equal(2);
    expect(runBinary(['topology', '10,10/10', '--json']).status).to.equal(0);
    const bad = runBinary(['summarize', '/nonexistent/results.jsonl', '--json']);
    expect(bad.status).to.equal(2);
    expect(JSON.parse(bad.stdout).error.message).to.match(/results\.jsonl does not exist/);
  });
});
