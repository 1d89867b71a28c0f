import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** A V8 CPU profile, as `--cpu-prof` writes it. */
export interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  totalMs: number;
  /** Self time by where the code lives: a package, this project's module, Node's internals, or V8's own work. */
  byArea: { area: string; ms: number; share: number }[];
  /** Self time of the busiest functions. */
  topFunctions: { fn: string; area: string; ms: number; share: number }[];
}

/** Where a frame's code lives: the package under node_modules, the project's file, Node, or V8 (garbage collection, idle). */
export function areaOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const modules = url.lastIndexOf('/node_modules/');
  if (modules !== -1) {
    const [first, second] = url.slice(modules + '/node_modules/'.length).split('/');
    return first?.startsWith('@') ? `${first}/${second}` : (first ?? url);
  }
  if (url.startsWith('node:')) return 'node';
  const project = /\/(dist|src|lib)\/(.+)$/.exec(url);
  return project ? `project ${project[2]!.replace(/\.[cm]?js$/, '')}` : url;
}

/** Self time per area and per function: what a profile says the process spent its CPU on. */
export function summarize(profiles: CpuProfile[], top = 25): ProfileSummary {
  const areas = new Map<string, number>();
  const functions = new Map<string, { fn: string; area: string; ms: number }>();
  let total = 0;
  for (const profile of profiles) {
    const byId = new Map(profile.nodes.map((node) => [node.id, node]));
    profile.samples.forEach((id, i) => {
      const node = byId.get(id);
      const ms = (profile.timeDeltas[i] ?? 0) / 1000;
      if (!node || node.callFrame.functionName === '(idle)') return;
      const { functionName, url, lineNumber } = node.callFrame;
      const area = areaOf(url, functionName);
      total += ms;
      areas.set(area, (areas.get(area) ?? 0) + ms);
      const key = `${functionName || '(anonymous)'} ${url}:${lineNumber + 1}`;
      const entry = functions.get(key) ?? { fn: key, area, ms: 0 };
      entry.ms += ms;
      functions.set(key, entry);
    });
  }
  const share = (ms: number) => (total === 0 ? 0 : Math.round((ms / total) * 1000) / 10);
  const round = (ms: number) => Math.round(ms);
  return {
    totalMs: round(total),
    byArea: [...areas].sort((a, b) => b[1] - a[1]).map(([area, ms]) => ({ area, ms: round(ms), share: share(ms) })),
    topFunctions: [...functions.values()]
      .sort((a, b) => b.ms - a.ms)
      .slice(0, top)
      .map((f) => ({ ...f, ms: round(f.ms), share: share(f.ms) })),
  };
}

/** `node dist/bench/profile-summary.js DIR`: every profile in DIR, summed (a process's threads together). */
if (require.main === module) {
  const dir = process.argv[2];
  if (!dir) throw new Error('usage: profile-summary DIR (the --cpu-profile directory of one run)');
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  if (files.length === 0) throw new Error(`no .cpuprofile in ${dir}`);
  const summary = summarize(files.map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as CpuProfile));
  process.stdout.write(`${JSON.stringify({ profiles: files.length, ...summary }, null, 2)}\n`);
}
