/**
 * Bundle size and module init time of every function in serverless.yml, beside a naive
 * bundle of the same handler, both built and measured in the same run.
 *
 *  - real: esbuild with exactly the options of serverless.yml `custom.esbuild` (read from the
 *    file, so the bench never drifts from what `serverless package` ships).
 *  - naive: the same options except `minify: false` and `treeShaking: false`, nothing
 *    external, and an entry that imports the handler plus the whole of every AWS SDK client
 *    package and Powertools package the real bundle pulls in (`import * as` each package,
 *    kept alive) - what a bundle looks like when nobody cared about size.
 *
 *  - floor: what no handler on this stack can go below - only the Powertools Logger, Tracer and
 *    Metrics, and one client of every AWS SDK client package the real bundle uses, built and
 *    traced as shared/observability.ts does; no command, no handler code, real bundle options.
 *    floor / naive is the best init ratio this function could reach while it uses these parts.
 *
 * Init time: each bundle is imported by a fresh `node` process (the Lambda environment of
 * serverless.yml: its NODE_OPTIONS, AWS_REGION, dummy credentials, no network needed), which
 * reports how long the `import()` took, wall and CPU, and how long since the process started.
 * The median over `runs` processes is reported (the first, with a cold file cache, included:
 * a median shrugs off one slow run); real and naive runs are interleaved so a burst of load
 * on the machine hits both alike.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { type BuildOptions, build, type Metafile } from 'esbuild';
import { parse } from 'yaml';
import { median, round } from './stats';

export interface FunctionFigures {
  name: string;
  handler: string;
  bundleBytes: number;
  sourceMapBytes: number;
  /** Median wall time of the bundle's `import()` in a fresh process, ms. */
  initMs: number;
  /** Median CPU time (user + system, all threads) of the same `import()`, ms: less sensitive to load. */
  initCpuMs: number;
  /** Median time from process start to the bundle evaluated (Node's own start-up included), ms. */
  processToReadyMs: number;
  naiveBundleBytes: number;
  naiveInitMs: number;
  naiveInitCpuMs: number;
  naiveProcessToReadyMs: number;
  /** initMs / naiveInitMs; the goal is at most 1/3. */
  initRatio: number;
  /** Median wall time of the floor bundle's import (Powertools + the SDK clients, nothing else), ms. */
  floorInitMs: number;
  floorBundleBytes: number;
  /** floorInitMs / naiveInitMs: the lowest initRatio reachable with these parts. */
  floorRatio: number;
  /** The packages the naive entry imports whole. */
  naivePackages: string[];
}

type Json = Record<string, unknown>;

const require = createRequire(import.meta.url);

/** serverless-esbuild's own keys: they configure the plugin, not esbuild. */
const PLUGIN_KEYS = new Set(['exclude', 'packager', 'outputFileExtension', 'packagerOptions', 'installExtraArgs', 'keepOutputDirectory', 'concurrency', 'zipConcurrency', 'nativeZip', 'watch', 'disableIncremental', 'outputWorkFolder', 'outputBuildFolder', 'config']);

function readServerlessYml(root: string): Json {
  const scalar = (tag: string, fn: string) => ({ tag, resolve: (value: string) => ({ [fn]: value }) });
  return parse(readFileSync(join(root, 'serverless.yml'), 'utf8'), {
    customTags: [
      scalar('!Ref', 'Ref'),
      scalar('!Sub', 'Fn::Sub'),
      scalar('!GetAtt', 'Fn::GetAtt'),
      // Condition functions (the drift role's opt-in policy) only need to parse here.
      ...['Not', 'Equals', 'If', 'And', 'Or'].map((fn) => ({ tag: `!${fn}`, collection: 'seq' as const, resolve: (value: unknown) => ({ [`Fn::${fn}`]: value }) })),
    ],
    // Other CloudFormation short forms (!If, !Equals ...) live in `resources`, which the bench does not read.
    logLevel: 'error',
  }) as Json;
}

/** esbuild options equivalent to what serverless-esbuild builds from `custom.esbuild`. */
export function esbuildOptionsFromYml(yml: Json): { options: BuildOptions; outExtension: string; external: string[] } {
  const custom = ((yml.custom as Json | undefined)?.esbuild ?? {}) as Json;
  const options: BuildOptions = {};
  for (const [key, value] of Object.entries(custom)) if (!PLUGIN_KEYS.has(key)) (options as Json)[key] = value;
  return {
    options,
    outExtension: typeof custom.outputFileExtension === 'string' ? custom.outputFileExtension : '.js',
    // serverless-esbuild keeps `exclude` out of the bundle (default ['aws-sdk']; serverless.yml says []).
    external: Array.isArray(custom.exclude) ? (custom.exclude as string[]) : ['aws-sdk'],
  };
}

/** The Lambda environment the bundles initialise in: serverless.yml's plain provider variables plus what Lambda sets. */
function lambdaEnv(yml: Json, name: string): NodeJS.ProcessEnv {
  const provider = (yml.provider ?? {}) as Json;
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_LAMBDA_FUNCTION_NAME: `deploy-medic-bench-${name}`,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(provider.memorySize ?? 512),
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
  };
  for (const [key, value] of Object.entries((provider.environment ?? {}) as Json)) {
    // ${param:...} / ${sls:...} are resolved at deploy time; a dummy value is enough for module init.
    if (typeof value === 'string') env[key] = value.includes('${') ? 'bench' : value;
  }
  env.MEDIC_MODE = 'observe';
  return env;
}

/**
 * The floor entry: Powertools as shared/observability.ts and shared/metrics.ts build it, and one
 * traced client per SDK client package (its exported `...Client` class, found by name).
 */
async function floorSource(root: string, packages: string[]): Promise<string> {
  const clients: string[] = [];
  for (const p of packages.filter((name) => name.startsWith('@aws-sdk/client-'))) {
    const exported = Object.keys(await import(pathToFileURL(require.resolve(p, { paths: [root] })).href));
    const client = exported.find((name) => name.endsWith('Client') && name !== '__Client' && !name.startsWith('__'));
    if (client) clients.push(`import { ${client} } from ${JSON.stringify(p)};\nclients.push(tracer.captureAWSv3Client(new ${client}({})));`);
  }
  return [
    `import { Logger } from '@aws-lambda-powertools/logger';`,
    `import { Tracer } from '@aws-lambda-powertools/tracer';`,
    `import { Metrics } from '@aws-lambda-powertools/metrics';`,
    `const tracer = new Tracer({ serviceName: 'floor' });`,
    `const clients = [new Logger({ serviceName: 'floor' }), new Metrics({ namespace: 'floor' })];`,
    ...clients,
    `globalThis.__floorBench = clients;`,
  ].join('\n');
}

/** Packages (`@aws-sdk/client-x`, `@aws-lambda-powertools/x`) whose files the real bundle contains. */
function packagesUsed(metafile: Metafile): string[] {
  const found = new Set<string>();
  for (const input of Object.keys(metafile.inputs)) {
    const m = /node_modules\/(@aws-sdk\/client-[^/]+|@aws-lambda-powertools\/[^/]+)\//.exec(input);
    if (m?.[1]) found.add(m[1]);
  }
  return [...found].sort();
}

async function bundle(entryPoints: string[] | Record<string, string>, outfile: string, options: BuildOptions, external: string[], stdin?: BuildOptions['stdin']) {
  const result = await build({
    ...options,
    ...(stdin ? { stdin } : { entryPoints }),
    outfile,
    external,
    metafile: true,
    logLevel: 'silent',
    write: true,
  });
  return result.metafile;
}

const HARNESS = `
const url = process.argv[1];
const t0 = performance.now();
const c0 = process.cpuUsage();
await import(url);
const c = process.cpuUsage(c0);
const t1 = performance.now();
process.stdout.write(JSON.stringify({ importMs: t1 - t0, importCpuMs: (c.user + c.system) / 1000, processMs: t1 }));
`;

interface InitSample {
  importMs: number;
  importCpuMs: number;
  processMs: number;
}

function measureInit(file: string, env: NodeJS.ProcessEnv): InitSample {
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', HARNESS, pathToFileURL(file).href], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return JSON.parse(out) as InitSample;
}

/**
 * @example
 * const figures = await benchBundles({ root: process.cwd(), runs: 15 });
 * figures[0]; // { name: 'ingest', bundleBytes, initMs, naiveBundleBytes, naiveInitMs, ... }
 */
export async function benchBundles(options: { root: string; runs: number; only?: string[] }): Promise<FunctionFigures[]> {
  const yml = readServerlessYml(options.root);
  const { options: esbuildOptions, outExtension, external } = esbuildOptionsFromYml(yml);
  const outDir = join(options.root, '.esbuild', 'bench');
  mkdirSync(outDir, { recursive: true });
  const functions = Object.entries((yml.functions ?? {}) as Record<string, { handler: string }>).filter(([name]) => !options.only || options.only.includes(name));

  const figures: FunctionFigures[] = [];
  for (const [name, fn] of functions) {
    const handlerModule = fn.handler.replace(/\.[^.]+$/, ''); // functions/ingest/handler.handler -> functions/ingest/handler
    const entry = resolve(options.root, `${handlerModule}.ts`);
    const realFile = join(outDir, `${name}${outExtension}`);
    const metafile = await bundle([entry], realFile, esbuildOptions, external);

    const naivePackages = packagesUsed(metafile);
    const naiveSource = [
      `export * from ${JSON.stringify(entry)};`,
      ...naivePackages.map((p, i) => `import * as p${i} from ${JSON.stringify(p)};`),
      `globalThis.__naiveBench = [${naivePackages.map((_, i) => `p${i}`).join(', ')}];`,
    ].join('\n');
    const naiveFile = join(outDir, `${name}.naive${outExtension}`);
    await bundle([], naiveFile, { ...esbuildOptions, minify: false, treeShaking: false }, [], {
      contents: naiveSource,
      resolveDir: options.root,
      sourcefile: `${name}.naive-entry.ts`,
      loader: 'ts',
    });

    const floorFile = join(outDir, `${name}.floor${outExtension}`);
    await bundle([], floorFile, esbuildOptions, external, {
      contents: await floorSource(options.root, naivePackages),
      resolveDir: options.root,
      sourcefile: `${name}.floor-entry.ts`,
      loader: 'ts',
    });

    const env = lambdaEnv(yml, name);
    const real: InitSample[] = [];
    const naive: InitSample[] = [];
    const floor: InitSample[] = [];
    for (let i = 0; i < options.runs; i++) {
      real.push(measureInit(realFile, env));
      naive.push(measureInit(naiveFile, env));
      floor.push(measureInit(floorFile, env));
    }
    const floorInitMs = median(floor.map((s) => s.importMs));
    const initMs = median(real.map((s) => s.importMs));
    const naiveInitMs = median(naive.map((s) => s.importMs));
    figures.push({
      name,
      handler: fn.handler,
      bundleBytes: statSync(realFile).size,
      sourceMapBytes: statSync(`${realFile}.map`, { throwIfNoEntry: false })?.size ?? 0,
      initMs: round(initMs, 1),
      initCpuMs: round(median(real.map((s) => s.importCpuMs)), 1),
      processToReadyMs: round(median(real.map((s) => s.processMs)), 1),
      naiveBundleBytes: statSync(naiveFile).size,
      naiveInitMs: round(naiveInitMs, 1),
      naiveInitCpuMs: round(median(naive.map((s) => s.importCpuMs)), 1),
      naiveProcessToReadyMs: round(median(naive.map((s) => s.processMs)), 1),
      initRatio: round(initMs / naiveInitMs, 2),
      floorInitMs: round(floorInitMs, 1),
      floorBundleBytes: statSync(floorFile).size,
      floorRatio: round(floorInitMs / naiveInitMs, 2),
      naivePackages,
    });
  }
  writeFileSync(join(outDir, 'README.txt'), 'Bundles built by `npm run bench` (scripts/bench/bundles.ts). Safe to delete.\n');
  return figures;
}
